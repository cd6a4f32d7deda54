"""The patient's handout from a saved call, printed by the nurse in the patient's language."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import login_required

from checker.clock import clinic_time
from checker.i18n import LANGUAGES, NAMES, language
from checker.nurse import bp
from checker.nurse.records import _audited, protocol_of, tone
from rules import fill, load_protocol
from rules.translations import in_language


@bp.route("/encounters/<int:encounter_id>/handout")
@login_required
def handout(encounter_id: int) -> str:
    """What the patient was told to do, in the words of the version that assessed the call."""
    record = _audited(encounter_id, "handout")
    protocol = in_language(protocol_of(record) or load_protocol(), language())
    number = current_app.config["EMERGENCY_NUMBER"]
    final = record.final_disposition
    disposition = protocol.disposition(final) if final in protocol.rank else None
    given = set(record.advice_given)
    advice = [fill(a.text, number) for a in protocol.advice if a.id in given]
    # When to call back, unless the disposition says none (an emergency), as the assessment does.
    calls_back = disposition.call_back if disposition is not None else True
    call_back = [fill(t, number) for t in protocol.call_back] if calls_back else []
    return render_template(
        "nurse/handout.html",
        encounter=record,
        headline=fill(disposition.headline, number) if disposition else final,
        detail=fill(disposition.detail, number) if disposition else "",
        tone=tone(protocol, final),
        advice=advice,
        call_back=call_back,
        when=clinic_time,
        languages=[(code, NAMES[code]) for code in LANGUAGES],
    )

"""A saved call links to a check-in only when it was opened from it; the code only in a body."""

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from checker.audit import AuditEvent
from checker.extensions import db
from checker.followup.models import CallLink
from checker.nurse.models import Encounter
from tests.checker.check_pages import Page, page_of
from tests.nurse.conftest import CALL_PLAN, add_nurse, sign_in


def opened_from(page: Page, secret: str = "test") -> int:
    """The check-in a console page's signed reference names."""
    data = URLSafeSerializer(secret, salt="call-from-checkin").loads(dict(page.hidden)["checkin"])
    return int(data["checkin"])


def _opened(app: Flask, client: FlaskClient) -> tuple[int, int, Page]:
    """A fever check-in opened in the console: (enrolment, check-in, the console page)."""
    from tests.followup.test_handoff import _fever_checkin

    enrolment_id, checkin_id = _fever_checkin(app)
    return enrolment_id, checkin_id, page_of(client.get(f"/nurse/call?checkin={checkin_id}"))


def _save_data(console: Page, **changes: str) -> dict[str, str]:
    """The console's form as pressed Save, with some fields changed."""
    from tests.followup.test_handoff import _phone

    return {**dict(console.hidden), **console.checked, **console.typed,
            "callback_number": _phone(console), **CALL_PLAN, "action": "save", **changes}


def _counts(app: Flask) -> tuple[int, int]:
    """Saved calls and call links."""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Encounter)) or 0,
                db.session.scalar(select(func.count()).select_from(CallLink)) or 0)


def test_the_console_carries_a_signed_reference_not_a_bare_number(
        app: Flask, client: FlaskClient) -> None:
    _, checkin_id, console = _opened(app, client)
    assert dict(console.hidden)["checkin"] != str(checkin_id)
    assert opened_from(console) == checkin_id


def test_a_check_in_number_typed_into_the_form_links_nothing_and_saves_nothing(
        app: Flask, client: FlaskClient) -> None:
    _, other_id, console = _opened(app, client)
    response = client.post("/nurse/call", data=_save_data(console, checkin=str(other_id)))
    assert response.status_code == 400
    assert "could not be confirmed" in page_of(response).text
    assert _counts(app) == (0, 0)


def test_a_reference_signed_for_another_nurse_is_refused(
        app: Flask, client: FlaskClient) -> None:
    _, _, console = _opened(app, client)
    add_nurse(app, "bea")
    other = app.test_client()
    assert sign_in(other, "bea").status_code == 302
    response = other.post("/nurse/call", data=_save_data(console))
    assert response.status_code == 400
    assert _counts(app) == (0, 0)


def test_a_call_saved_from_its_check_in_is_linked_and_the_link_audited(
        app: Flask, client: FlaskClient) -> None:
    enrolment_id, checkin_id, console = _opened(app, client)
    response = client.post("/nurse/call", data=_save_data(console))
    assert response.status_code == 302
    encounter_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        link = db.session.scalar(select(CallLink))
        assert link is not None and (link.checkin_id, link.encounter_id) == (
            checkin_id, encounter_id)
        events = list(db.session.scalars(select(AuditEvent).filter_by(action="followup-link")))
        assert [(e.encounter_id, e.shown_ids) for e in events] == [(encounter_id, [enrolment_id])]


def test_a_short_code_in_the_address_fills_in_nothing(app: Flask, client: FlaskClient) -> None:
    response = client.get("/nurse/call?code=ABCD-EFGH-JKMN")
    page = page_of(response)
    assert response.status_code == 400
    assert "never in the page's address" in page.text
    assert "Filled in from the patient's short code" not in page.text

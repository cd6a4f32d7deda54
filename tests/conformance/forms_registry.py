"""Every form of the app other than the answers, with a valid submission and a second valid
value for each field: sent twice, a field must be refused, whichever value comes first.

The field lists are read from the form classes; `test_forms` asserts that every form class the
app defines, and every field the console's page posts, is here.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pyotp
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from checker.extensions import db
from checker.followup.forms import EndForm, EnrolForm, NewCodeForm, OpenForm, ReviewForm
from checker.followup.models import Enrolment, EnrolmentEnd, LinkCode, Review, shown_code
from checker.nurse import passkeys, second_factor
from checker.nurse.forms import AddendumForm, CallForm, CloseForm, LoginForm
from checker.nurse.models import Addendum, Encounter, Nurse
from tests.conformance.harness import (
    BIRTH,
    NURSE,
    PASSWORD,
    PLAN,
    Harness,
    Patient,
    caller_fields,
    today,
)
from tests.conformance.space import PROTOCOL, complete_answers, form_fields
from tests.nurse.authenticator import SoftPasskey

OTHER_NURSE = "conformance-two"
# Sent once per tick by design (docs/input.md): a list, not one answer sent twice.
SEVERAL_VALUES = {"advice_given"}


def form_fields_of(form_class: type) -> list[str]:
    """The fields a form class declares (inherited ones too), but lists of ticks."""
    return sorted(name for name in dir(form_class)
                  if hasattr(getattr(form_class, name, None), "_formfield")
                  and name not in SEVERAL_VALUES)


@dataclass
class Case:
    """How one form is sent, what is valid in it, and how a refusal shows."""

    form: str
    base: Callable[[Harness], dict[str, str]]
    other: dict[str, str | Callable[[Harness], str]]
    send: Callable[[Harness, dict[str, str], list[tuple[str, str]]], bool]
    fields: list[str] = field(default_factory=list)
    form_class: type | None = None

    def __post_init__(self) -> None:
        """Read the fields from the form class, unless given."""
        if not self.fields and self.form_class is not None:
            self.fields = form_fields_of(self.form_class)

    def second(self, h: Harness, name: str) -> str:
        """A second valid value for the field, different from the submission's."""
        other = self.other[name]
        return other(h) if callable(other) else other


def _calm(h: Harness) -> dict[str, str]:
    """A calm, complete call (no answer unusual) with its caller and a fresh call number."""
    answers = complete_answers(bytes(1))
    fields = {k: v for k, v in form_fields(PROTOCOL, answers).items()
              if k != "days_since_procedure"}
    page = h.nurse.get("/nurse/call").get_data(as_text=True)
    token = re.search(r'name="call" type="hidden" value="([^"]+)"', page)
    assert token is not None
    procedure = today() - timedelta(days=answers["days_since_procedure"])
    return {**fields, **caller_fields(procedure), "call": token.group(1), "action": "save",
            "final_disposition": "", "override_reason": "", "notes": "", **PLAN,
            "disagreement_reason": "", "nurse_call_back_at": ""}


def _tomorrow_morning() -> str:
    """A call-back time the console takes: tomorrow at nine on the clinic's clock."""
    return (today() + timedelta(days=1)).isoformat() + " 09:00"


def _saved_call(h: Harness) -> int:
    """A saved call, for its addenda."""
    base = _calm(h)
    _, saved = h.console_post(list(base.items()))
    assert saved is not None
    return saved


def _checked_in(h: Harness) -> tuple[Patient, int]:
    """A patient with one stored check-in."""
    answers = complete_answers(bytes(1))
    patient = h.enrol([answers["days_since_procedure"]])[0]
    fields = {k: v for k, v in form_fields(PROTOCOL, answers).items()
              if k != "days_since_procedure"}
    h.checkin(patient, fields.items())
    return patient, h.checkins([patient])[patient.enrolment_id][0].id


def _grew(h: Harness, model: type, post: Callable[[], Any]) -> bool:
    """Whether a post added a row to a table."""
    before = h.count(model)
    post()
    return h.count(model) > before


def _stranger(h: Harness) -> FlaskClient:
    """A browser of its own, signed in as nobody."""
    return h.app.test_client()


def _signed_in_as_other(h: Harness) -> FlaskClient:
    """A second nurse's browser (made once)."""
    if h.count(Nurse) < 2:
        from checker.extensions import db

        with h.app.app_context():
            nurse = Nurse(username=OTHER_NURSE, is_admin=False, active=True)
            nurse.set_password(PASSWORD)
            db.session.add(nurse)
            db.session.commit()
    return h.nurse


def _refused_login(h: Harness, _base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    _signed_in_as_other(h)
    return _stranger(h).post("/nurse/login", data=MultiDict(pairs)).status_code != 302


def _refused_call(h: Harness, _base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    return not _grew(h, Encounter, lambda: h.console_post(pairs))


def _refused_linked_call(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    """Not saved, and the page shown again carries neither check-in on to the next save."""
    before = h.count(Encounter)
    page, _ = h.console_post(pairs)
    carried = [v for k, v in page.fields if k == "checkin"]
    return h.count(Encounter) == before and not carried


def _refused_addendum(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    path = f"/nurse/encounters/{base['encounter']}/addenda"
    pairs = [(k, v) for k, v in pairs if k != "encounter"]
    return not _grew(h, Addendum, lambda: h.nurse.post(path, data=MultiDict(pairs)))


def _refused_enrolment(h: Harness, _base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    return not _grew(h, Enrolment,
                     lambda: h.nurse.post("/nurse/followup/enrol", data=MultiDict(pairs)))


def _refused_review(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    path = f"/nurse/followup/checkins/{base['checkin']}/review"
    pairs = [(k, v) for k, v in pairs if k != "checkin"]
    return not _grew(h, Review, lambda: h.nurse.post(path, data=MultiDict(pairs)))


def _refused_end(h: Harness, _base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    patient = h.enrol([0])[0]  # a follow-up still running each time
    path = f"/nurse/followup/patients/{patient.enrolment_id}/end"
    return not _grew(h, EnrolmentEnd, lambda: h.nurse.post(path, data=MultiDict(pairs)))


def _refused_opening(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    """The code page: a follow-up opened (303) only for one code and one year."""
    path = f"/followup/{base['old link']}" if "old link" in base else "/followup"
    pairs = [(k, v) for k, v in pairs if k != "old link"]
    return _stranger(h).post(path, data=MultiDict(pairs)).status_code != 303


def _refused_new_code(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    """A new code for a running follow-up: issued once, only for one form key."""
    path = f"/nurse/followup/patients/{base['enrolment']}/code"
    pairs = [(k, v) for k, v in pairs if k != "enrolment"]
    return not _grew(h, LinkCode, lambda: h.nurse.post(path, data=MultiDict(pairs)))


def _running(h: Harness) -> dict[str, str]:
    """A follow-up still running, with a fresh form key for a new code."""
    return {"enrolment": str(h.enrol([0])[0].enrolment_id), "form_key": _key()}


def _key() -> str:
    """A fresh key for one filled-in form."""
    return secrets.token_urlsafe(16)


def _code_of(h: Harness) -> str:
    """A patient's code, as their sheet prints it."""
    return shown_code(h.enrol([0])[0].code)


def _console_hand_off(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    """Opening a call from a check-in named twice: refused, not filled from either."""
    query = "&".join(f"checkin={v}" for k, v in pairs if k == "checkin")
    page = h.nurse.get(f"/nurse/call?{query}")
    return page.status_code >= 400 and "Filled in from" not in page.get_data(as_text=True)


def _console_code(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    """A short code sent twice: refused, not filled from either."""
    page = h.nurse.post("/nurse/call/code", data=MultiDict(pairs))
    return page.status_code >= 400 and "Filled in from" not in page.get_data(as_text=True)


def _with_checkin(h: Harness) -> dict[str, str]:
    """A calm call opened from a stored check-in, as its console page stands, to be saved."""
    page = h.console_from_checkin(_checked_in(h)[1])
    return {**dict(page.fields), **PLAN, "action": "save"}


def _other_reference(h: Harness) -> str:
    """The reference another check-in's console carries."""
    return dict(h.console_from_checkin(_checked_in(h)[1]).fields)["checkin"]


def _code(h: Harness, gene: bytes) -> str:
    """The short code a result page shows for the answers of a gene."""
    answers = complete_answers(gene)
    return h.patient_result(form_fields(PROTOCOL, answers).items()).short_code



# --- a nurse's second factor: a clock held still (conftest), fresh nurses for each form ---

SECOND_FACTOR_TIME = 1_800_000_000.0  # the moment every second-factor code is checked at
STEP = 30


def _totp(secret: str, steps: int = 0) -> str:
    """The authenticator app's code at the held moment, or that many steps from it."""
    return pyotp.TOTP(secret).at(int(SECOND_FACTOR_TIME) + steps * STEP)


def _new_nurse(h: Harness) -> tuple[int, FlaskClient]:
    """A nurse of her own for one submission, signed in with the password."""
    h.serial += 1
    with h.app.app_context():
        nurse = Nurse(username=f"sf{h.serial}", is_admin=False, active=True)
        nurse.set_password(PASSWORD)
        db.session.add(nurse)
        db.session.commit()
        nurse_id = nurse.id
    client = h.app.test_client()
    client.post("/nurse/login", data={"username": f"sf{h.serial}", "password": PASSWORD})
    return nurse_id, client


CLIENTS: dict[str, FlaskClient] = {}
SECRETS: dict[str, str] = {}


def _setup_page(client: FlaskClient) -> tuple[str, str]:
    """The set-up page's sealed secret and the secret it shows."""
    page = client.get("/nurse/account/second-factor").get_data(as_text=True)
    sealed = re.search(r'name="sealed" type="hidden" value="([^"]+)"', page)
    shown = re.search(r"Key: <code>([A-Z2-7 ]+)</code>", page)
    if not sealed or not shown:
        raise RuntimeError("the set-up page shows no secret")
    return sealed.group(1), "".join(shown.group(1).split())


def _enrolling(h: Harness) -> dict[str, str]:
    """A nurse on the set-up page, with its sealed secret and a current code."""
    nurse_id, client = _new_nurse(h)
    sealed, secret = _setup_page(client)
    CLIENTS[str(nurse_id)], SECRETS[str(nurse_id)] = client, secret
    return {"nurse": str(nurse_id), "sealed": sealed, "code": _totp(secret)}


def _enrolled(h: Harness) -> tuple[str, FlaskClient]:
    """A nurse with TOTP set up one step before the held moment, still signed in."""
    base = _enrolling(h)
    client = CLIENTS[base["nurse"]]
    done = client.post("/nurse/account/second-factor/enrol",
                       data={"sealed": base["sealed"], "code": _totp(SECRETS[base["nurse"]], -1)})
    if done.status_code != 200:
        raise RuntimeError("the harness nurse could not set a second factor up")
    return base["nurse"], client


def _at_code_step(h: Harness) -> dict[str, str]:
    """A nurse with a factor who gave her password and is asked for the code."""
    nurse, client = _enrolled(h)
    client.post("/nurse/logout")
    client.post("/nurse/login", data={"username": f"sf{h.serial}", "password": PASSWORD})
    return {"nurse": nurse, "code": _totp(SECRETS[nurse])}


def _removing(h: Harness) -> dict[str, str]:
    """A signed-in nurse with a factor, on the page that removes it."""
    nurse, _ = _enrolled(h)
    return {"nurse": nurse, "code": _totp(SECRETS[nurse]), "password": PASSWORD}


def _latest_secret(_h: Harness) -> str:
    """The code of the newest nurse's secret one step after the held moment (also valid)."""
    return _totp(list(SECRETS.values())[-1], 1)


def _another_sealed(_h: Harness) -> str:
    """A second sealed secret for the newest nurse, from the set-up page asked again."""
    return _setup_page(list(CLIENTS.values())[-1])[0]


def _without(base: dict[str, str], pairs: list[tuple[str, str]]) -> tuple[FlaskClient, MultiDict]:
    """The submission's nurse's client, and the pairs without the harness's own key."""
    return CLIENTS[base["nurse"]], MultiDict([(k, v) for k, v in pairs if k != "nurse"])


def _has_factor(h: Harness, nurse: str) -> bool:
    with h.app.app_context():
        return second_factor.has_second_factor(db.session, int(nurse))


def _refused_enrol(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    client, data = _without(base, pairs)
    client.post("/nurse/account/second-factor/enrol", data=data)
    return not _has_factor(h, base["nurse"])


def _refused_code(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    client, data = _without(base, pairs)
    client.post("/nurse/login/second-factor", data=data)
    return client.get("/nurse/").status_code != 200


def _refused_removal(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    client, data = _without(base, pairs)
    client.post("/nurse/account/second-factor/remove", data=data)
    return _has_factor(h, base["nurse"])

# --- passkeys: a software authenticator stands in for the browser -------------------------

PASSKEY_OPTIONS: dict[str, dict[str, Any]] = {}
PASSKEYS: dict[str, SoftPasskey] = {}


def _asked(client: FlaskClient, url: str) -> dict[str, Any]:
    """A ceremony's options, as the page's script asks for them."""
    answer: dict[str, Any] | None = client.post(url).get_json()
    if answer is None:
        raise RuntimeError(f"{url} gave no options")
    return answer


def _adding_passkey(h: Harness) -> dict[str, str]:
    """A signed-in nurse adding a passkey, with the browser's answer to her challenge."""
    nurse_id, client = _new_nurse(h)
    CLIENTS[str(nurse_id)] = client
    asked = _asked(client, "/nurse/account/second-factor/passkeys/options")
    PASSKEY_OPTIONS[str(nurse_id)] = asked
    return {"nurse": str(nurse_id), "name": "Desk computer",
            "credential": SoftPasskey().create(asked)}


def _another_new_passkey(_h: Harness) -> str:
    """Another authenticator's answer to the newest nurse's challenge (valid too)."""
    return SoftPasskey().create(list(PASSKEY_OPTIONS.values())[-1])


def _passkeys_of(h: Harness, nurse: str) -> list[int]:
    with h.app.app_context():
        return [f.id for f in second_factor.active_factors(db.session, int(nurse))
                if f.kind == second_factor.PASSKEY]


def _refused_passkey(h: Harness, base: dict[str, str], pairs: list[tuple[str, str]]) -> bool:
    client, data = _without(base, pairs)
    client.post("/nurse/account/second-factor/passkeys", data=data)
    return not _passkeys_of(h, base["nurse"])


def _with_passkeys(h: Harness, count: int) -> tuple[str, FlaskClient]:
    """A signed-in nurse with TOTP and this many passkeys (the newest kept in PASSKEYS)."""
    nurse, client = _enrolled(h)
    for _ in range(count):
        key = SoftPasskey()
        made = key.create(_asked(client, "/nurse/account/second-factor/passkeys/options"))
        client.post("/nurse/account/second-factor/passkeys",
                    data={"name": f"Key {len(_passkeys_of(h, nurse))}", "credential": made})
        PASSKEYS[nurse] = key
    return nurse, client


def _at_passkey_step(h: Harness) -> dict[str, str]:
    """A nurse with a passkey who gave her password, with the passkey's answer."""
    nurse, client = _with_passkeys(h, 1)
    client.post("/nurse/logout")
    client.post("/nurse/login", data={"username": f"sf{h.serial}", "password": PASSWORD})
    asked = _asked(client, "/nurse/login/passkey/options")
    PASSKEY_OPTIONS[nurse] = asked
    return {"nurse": nurse, "credential": PASSKEYS[nurse].get(asked)}


def _another_answer(_h: Harness) -> str:
    """The same passkey's next answer to the newest nurse's challenge (valid too)."""
    nurse = list(PASSKEY_OPTIONS)[-1]
    return PASSKEYS[nurse].get(PASSKEY_OPTIONS[nurse])


def _refused_passkey_step(h: Harness, base: dict[str, str],
                          pairs: list[tuple[str, str]]) -> bool:
    client, data = _without(base, pairs)
    client.post("/nurse/login/passkey", data=data)
    return client.get("/nurse/").status_code != 200


def _removing_passkey(h: Harness) -> dict[str, str]:
    """A signed-in nurse with two passkeys, removing the first."""
    nurse, _ = _with_passkeys(h, 2)
    return {"nurse": nurse, "passkey": str(_passkeys_of(h, nurse)[0]),
            "code": _totp(SECRETS[nurse]), "password": PASSWORD}


def _other_passkey(h: Harness) -> str:
    """The newest nurse's second passkey."""
    return str(_passkeys_of(h, list(SECRETS)[-1])[1])


def _refused_passkey_removal(h: Harness, base: dict[str, str],
                             pairs: list[tuple[str, str]]) -> bool:
    client, data = _without(base, pairs)
    client.post("/nurse/account/second-factor/passkeys/remove", data=data)
    return len(_passkeys_of(h, base["nurse"])) == 2


def _signing_in_again(h: Harness) -> dict[str, str]:
    """A nurse with TOTP, signed out, at the console's own sign-in block."""
    nurse, client = _enrolled(h)
    client.post("/nurse/logout")
    return {"nurse": nurse, "username": f"sf{h.serial}", "password": PASSWORD,
            "code": _totp(SECRETS[nurse])}


def _refused_sign_in_again(h: Harness, base: dict[str, str],
                           pairs: list[tuple[str, str]]) -> bool:
    client, data = _without(base, pairs)
    block = MultiDict([(f"sign_in-{k}", v) for k, v in data.items(multi=True)])
    block.add("action", "update")
    client.post("/nurse/call", data=block)
    return client.get("/nurse/").status_code != 200


CASES = [
    Case("login", lambda h: {"username": NURSE, "password": PASSWORD},
         {"username": OTHER_NURSE, "password": PASSWORD + " (wrong)"}, _refused_login,
         form_class=LoginForm),
    Case("call", _calm, {
        "patient_name": "Ada Lovelace", "date_of_birth": (BIRTH + timedelta(days=1)).isoformat(),
        "record_number": "MRN-2", "callback_number": "555 0199", "caller": "family",
        "procedure_type": "kyphoplasty",
        "procedure_date": (today() - timedelta(days=1)).isoformat(),
        "call": lambda h: _calm(h)["call"]}, _refused_call, form_class=CallForm),
    Case("closing the call", _calm, {
        "final_disposition": PROTOCOL.dispositions[0].id, "override_reason": "Reason.",
        "notes": "Called back.", "action_taken": "connected", "agreement": "not_asked",
        "disagreement_reason": "Prefers to wait.", "call_back_signs": "no",
        "nurse_call_back_at": lambda h: _tomorrow_morning()}, _refused_call,
         form_class=CloseForm),
    Case("addendum", lambda h: {"encounter": str(_saved_call(h)), "text": "Corrected."},
         {"text": "Another correction."}, _refused_addendum, form_class=AddendumForm),
    Case("enrolment", lambda h: {
        "patient_name": "Grace Hopper", "date_of_birth": BIRTH.isoformat(),
        "record_number": "MRN-9", "procedure_type": "kyphoplasty",
        "procedure_date": today().isoformat(), "phone": "555 0100",
        "email": "grace@example.org", "language": "en", "follow_days": "28", "consent": "y",
        "consent_note": "Agreed in person.", "form_key": _key()}, {
        "patient_name": "Grace Brewster", "date_of_birth": (BIRTH + timedelta(days=1)).isoformat(),
        "record_number": "MRN-10", "procedure_type": "vertebroplasty",
        "procedure_date": (today() - timedelta(days=1)).isoformat(), "phone": "555 0199",
        "email": "hopper@example.org", "language": "es", "follow_days": "29", "consent": "",
        "consent_note": "Agreed by phone.", "form_key": lambda h: _key()}, _refused_enrolment,
         form_class=EnrolForm),
    Case("review", lambda h: {"checkin": str(_checked_in(h)[1]), "note": "Called."},
         {"note": "Left a message."}, _refused_review, form_class=ReviewForm),
    Case("ending a follow-up", lambda h: {"reason": "Readmitted."}, {"reason": "Moved away."},
         _refused_end, form_class=EndForm),
    Case("opening a follow-up", lambda h: {"code": _code_of(h), "year": str(BIRTH.year)},
         {"code": _code_of, "year": str(BIRTH.year + 1)}, _refused_opening, ["code", "year"],
         form_class=OpenForm),
    Case("opening a follow-up by an old link", lambda h: {
        "old link": (link := h.enrol([0], old_links=True)[0].code), "link": link,
        "year": str(BIRTH.year)},
         {"link": lambda h: h.enrol([0], old_links=True)[0].code}, _refused_opening, ["link"],
         form_class=OpenForm),
    Case("new code", _running, {"form_key": lambda h: _key()}, _refused_new_code,
         form_class=NewCodeForm),
    # Fields of the console's page that no form class declares: the hand-off's own.
    Case("call from a check-in", lambda h: {"checkin": str(_checked_in(h)[1])},
         {"checkin": lambda h: str(_checked_in(h)[1])}, _console_hand_off, ["checkin"]),
    Case("saved call from a check-in", _with_checkin, {"checkin": _other_reference},
         _refused_linked_call, ["checkin"]),
    Case("call from a short code", lambda h: {"code": _code(h, bytes(1))},
         {"code": lambda h: _code(h, bytes([3, 0] + [255] * 60))}, _console_code, ["code"]),
    Case("setting up a second factor", _enrolling,
         {"sealed": _another_sealed, "code": _latest_secret}, _refused_enrol,
         form_class=second_factor.EnrolForm),
    Case("a second-factor code at sign-in", _at_code_step, {"code": _latest_secret},
         _refused_code, form_class=second_factor.CodeForm),
    Case("removing a second factor", _removing,
         {"code": _latest_secret, "password": PASSWORD + " (wrong)"}, _refused_removal,
         form_class=second_factor.ConfirmForm),
    Case("adding a passkey", _adding_passkey,
         {"name": "Blue key", "credential": _another_new_passkey}, _refused_passkey,
         form_class=passkeys.PasskeyForm),
    Case("a passkey at sign-in", _at_passkey_step, {"credential": _another_answer},
         _refused_passkey_step, form_class=passkeys.PasskeySignInForm),
    Case("removing a passkey", _removing_passkey,
         {"passkey": _other_passkey, "code": _latest_secret,
          "password": PASSWORD + " (wrong)"}, _refused_passkey_removal,
         form_class=passkeys.RemovePasskeyForm),
    Case("the console's sign-in block", _signing_in_again,
         {"username": OTHER_NURSE, "password": PASSWORD + " (wrong)", "code": _latest_secret},
         _refused_sign_in_again, form_class=second_factor.SignInAgainForm),
]

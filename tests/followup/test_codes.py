"""A sheet's code is shown once and kept nowhere; a lost sheet gets a new code, voiding the old."""

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from checker.audit import AuditEvent
from checker.clock import utcnow
from checker.extensions import db
from checker.followup.models import Enrolment, EnrolmentEnd, LinkCode, token_hash
from checker.followup.retention import purge_ended
from checker.followup.views import SHEET_TOKENS
from tests.followup.conftest import enrol, open_followup
from tests.followup.test_enrolment import code_on, enrol_through_form, enrolment_form
from tests.nurse.conftest import make_app, sign_in
from tests.nurse.test_redis import dispose, redis_server, redis_url  # noqa: F401  (fixtures)


def _only_enrolment(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(Enrolment.id)).one()


def _new_code(client: FlaskClient, enrolment_id: int, form_key: str = "") -> str:
    """Issue a new code from the patient's page and return the one its sheet shows."""
    data = {"form_key": form_key} if form_key else {}
    response = client.post(f"/nurse/followup/patients/{enrolment_id}/code", data=data)
    assert response.status_code == 200
    return code_on(response.get_data(as_text=True))


def _actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_new_code_voids_the_old_one_at_once_and_is_audited(
    app: Flask, client: FlaskClient
) -> None:
    old = enrol_through_form(client)
    enrolment_id = _only_enrolment(app)
    patient = app.test_client()
    assert open_followup(patient, old).status_code == 303
    page = client.get(f"/nurse/followup/patients/{enrolment_id}").get_data(as_text=True)
    assert "Issue a new code and print its sheet" in page and old not in page
    new = _new_code(client, enrolment_id)
    assert new != old
    assert open_followup(app.test_client(), old).status_code == 403
    assert open_followup(app.test_client(), new).status_code == 303
    # A browser opened with the old code is out too.
    assert patient.get("/followup/history").status_code == 303
    newer = _new_code(client, enrolment_id)
    assert open_followup(app.test_client(), new).status_code == 403
    assert open_followup(app.test_client(), newer).status_code == 303
    assert _actions(app) == ["followup-enrol", "followup-sheet", "followup-view",
                             "followup-code", "followup-sheet", "followup-code",
                             "followup-sheet"]
    with app.app_context():
        codes = db.session.scalars(select(LinkCode).order_by(LinkCode.id)).all()
        assert [c.code_hash for c in codes] == [token_hash(c.replace("-", ""))
                                                for c in (new, newer)]
        assert {c.nurse_name for c in codes} == {"ann"}


def test_sending_the_new_code_form_again_issues_no_second_code(
    app: Flask, client: FlaskClient
) -> None:
    enrol_through_form(client)
    enrolment_id = _only_enrolment(app)
    code = _new_code(client, enrolment_id, form_key="one-new-code-form")
    again = client.post(f"/nurse/followup/patients/{enrolment_id}/code",
                        data={"form_key": "one-new-code-form"})
    assert again.status_code == 303
    assert open_followup(app.test_client(), code).status_code == 303
    with app.app_context():
        assert len(db.session.scalars(select(LinkCode)).all()) == 1


def test_an_ended_or_finished_follow_up_gets_no_new_code(app: Flask, client: FlaskClient) -> None:
    ended_id, _ = enrol(app, procedure_date=date.today() - timedelta(days=2))
    over_id, _ = enrol(app, procedure_date=date.today() - timedelta(days=40), follow_days=28)
    with app.app_context():
        db.session.add(EnrolmentEnd(enrolment_id=ended_id, nurse_id=1, nurse_name="ann",
                                    reason="Readmitted."))
        db.session.commit()
    for enrolment_id, message in ((ended_id, "has ended"), (over_id, "days are over")):
        page = client.get(f"/nurse/followup/patients/{enrolment_id}").get_data(as_text=True)
        assert "Issue a new code" not in page
        response = client.post(f"/nurse/followup/patients/{enrolment_id}/code",
                               follow_redirects=True)
        assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(LinkCode)).all() == []


def _cookie_session(app: Flask, client: FlaskClient) -> str:
    """The nurse's session as its signed cookie holds it, as text."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return json.dumps(serializer.loads(cookie.value))


def test_no_cookie_session_holds_the_code_after_the_sheet_was_shown(
    app: Flask, client: FlaskClient
) -> None:
    code = enrol_through_form(client)
    new = _new_code(client, _only_enrolment(app))
    held = _cookie_session(app, client)
    for secret in (code, new):
        assert secret not in held and secret.replace("-", "") not in held


def test_a_link_token_an_earlier_version_left_in_a_session_is_dropped(
    app: Flask, client: FlaskClient
) -> None:
    with client.session_transaction() as session:
        session[SHEET_TOKENS] = {"1": "an-old-raw-link-token"}
    client.get("/nurse/")
    assert "an-old-raw-link-token" not in _cookie_session(app, client)


def _value(store: redis.Redis, key: bytes) -> str:
    """Whatever Redis keeps under a key, as text."""
    kind = store.type(key)
    if kind == b"string":
        return (store.get(key) or b"").decode("utf-8", "replace")
    if kind == b"hash":
        return repr(store.hgetall(key))
    if kind in (b"list", b"set", b"zset"):
        return repr(store.sort(key, alpha=True) if kind != b"zset" else store.zrange(key, 0, -1))
    return ""


@pytest.fixture
def redis_app(app: Flask, redis_url: str) -> Iterator[Flask]:  # noqa: F811
    """A second instance on the same database keeping its sessions in Redis."""
    shared = make_app(app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url)
    yield shared
    dispose(shared)


def test_no_redis_session_holds_the_code_after_the_sheet_was_shown(
    client: FlaskClient, redis_app: Flask, redis_url: str  # noqa: F811
) -> None:
    nurse = redis_app.test_client()
    assert sign_in(nurse).status_code == 302
    response = nurse.post("/nurse/followup/enrol", data=enrolment_form())
    code = code_on(response.get_data(as_text=True))
    new = _new_code(nurse, _only_enrolment(redis_app))
    with redis.Redis.from_url(redis_url) as store:
        keys = store.keys("*")
        assert any(key.startswith(b"recovery-check:session:") for key in keys)
        held = " ".join(_value(store, key) for key in keys)
    for secret in (code, new):
        assert secret not in held and secret.replace("-", "") not in held


def test_a_new_code_row_is_never_changed_and_goes_with_its_follow_up_at_the_purge(
    app: Flask, client: FlaskClient
) -> None:
    over = utcnow() - timedelta(days=400)
    enrolment_id, _ = enrol(app, created_at=over, procedure_date=date.today() - timedelta(days=2))
    assert client.post(f"/nurse/followup/patients/{enrolment_id}/code").status_code == 200
    with app.app_context():
        for statement in ("UPDATE followup_code SET nurse_name = 'x'", "DELETE FROM followup_code"):
            with pytest.raises(DBAPIError):
                db.session.execute(text(statement))
            db.session.rollback()
        db.session.add(EnrolmentEnd(enrolment_id=enrolment_id, nurse_id=1, nurse_name="ann",
                                    reason="Done.", at=over))
        db.session.commit()
        assert purge_ended(db.session, 100) == [enrolment_id]
        db.session.commit()
        assert db.session.scalars(select(LinkCode)).all() == []

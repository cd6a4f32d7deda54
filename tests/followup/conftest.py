"""Follow-up fixtures: the nurse console's app on SQLite and PostgreSQL, and a stored patient."""

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from checker.clock import utcnow
from checker.extensions import db
from checker.followup.models import CheckIn, Enrolment, Review, new_code, token_hash
from checker.nurse.models import Nurse
from tests.nurse.conftest import (  # noqa: F401  (fixtures)
    admin,
    app,
    client,
    database_url,
    migrated_postgres,
    migrated_sqlite,
)

BIRTH_YEAR = "1941"


def open_followup(patient: FlaskClient, code: str, year: str = BIRTH_YEAR,
                  **fields: str) -> TestResponse:
    """Post the code and the year of birth, as the patient's code page does."""
    return patient.post("/followup", data={"code": code, "year": year, **fields})


def enrol(flask_app: Flask, *, created_at: datetime | None = None, by: str = "ann",
          **fields: Any) -> tuple[int, str]:
    """Store an enrolment (by ann) with one check-in and its review; give its id and code."""
    token = new_code()
    with flask_app.app_context():
        nurse = db.session.query(Nurse).filter_by(username=by).one()
        values: dict[str, Any] = {
            "token_hash": token_hash(token), "nurse_id": nurse.id, "nurse_name": nurse.username,
            "patient_name": "Harriet Quimby", "date_of_birth": date(1941, 5, 11),
            "record_number": "MRN-4471", "procedure_type": "kyphoplasty",
            "procedure_date": date(2026, 11, 20), "phone": "555 0100", "email": "",
            "language": "en", "follow_days": 28, "consent_note": "Patient agreed in person.",
        }
        if created_at is not None:
            values["created_at"] = created_at
        values.update(fields)
        enrolment = Enrolment(**values)
        db.session.add(enrolment)
        db.session.flush()
        checkin = CheckIn(enrolment_id=enrolment.id, day_count=4, answers={"pain_score": "3"},
                          assessment={"disposition": "self_care"}, disposition="self_care",
                          pain_score=3, protocol_id="vertebral-augmentation",
                          protocol_version="1.0", protocol_sha256="0" * 64,
                          submitted_at=created_at or utcnow())
        db.session.add(checkin)
        db.session.flush()
        db.session.add(Review(enrolment_id=enrolment.id, checkin_id=checkin.id,
                              nurse_id=nurse.id, nurse_name=nurse.username, note="Fine."))
        db.session.commit()
        return enrolment.id, token

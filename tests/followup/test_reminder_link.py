"""A reminder links to the fixed check-in page and comes from the clinic by name; never a code."""

from email.utils import parseaddr
from typing import Any

import pytest
from flask import Flask

from checker.followup.models import Enrolment
from checker.followup.reminders import checkin_page, sender, wording
from checker.settings import ConfigError, check, defaults, from_environment
from tests.followup.test_reminders import SENDER, Inbox, _remind, inbox, patients  # noqa: F401


def _mails(inbox: tuple[Inbox, Any]) -> dict[str, Any]:  # noqa: F811
    return {str(m["To"]): m for m in inbox[0].mails}


def test_the_email_links_to_the_check_in_page_and_names_the_clinic(
        app: Flask, inbox: tuple[Inbox, int], patients: dict[str, int]) -> None:  # noqa: F811
    app.config.update(PUBLIC_URL="https://check.clinic.example/", CLINIC_NAME="Riverside Spine",
                      CLINIC_NAME_ES="Clínica de la Columna")
    assert _remind(app).exit_code == 0
    mails = _mails(inbox)
    english, spanish = mails["ada@example.org"], mails["beto@example.org"]
    assert "Go to https://check.clinic.example/followup, type the code" in " ".join(
        english.get_content().split())
    assert "Vaya a https://check.clinic.example/followup, escriba el código" in " ".join(
        spanish.get_content().split())
    assert parseaddr(str(english["From"])) == ("Riverside Spine", SENDER)
    assert parseaddr(str(spanish["From"])) == ("Clínica de la Columna", SENDER)
    for mail in (english, spanish):  # nothing that opens a check-in: no code, no token
        text = mail.get_content()
        assert "#" not in text and "/followup/" not in text


def test_without_a_public_address_the_email_has_no_link_and_no_error(
        app: Flask, inbox: tuple[Inbox, int], patients: dict[str, int]) -> None:  # noqa: F811
    result = _remind(app)
    assert result.exit_code == 0 and "2 sent" in result.output
    english = _mails(inbox)["ada@example.org"]
    assert "http" not in english.get_content()
    assert "Open the link on the sheet" in " ".join(english.get_content().split())
    assert str(english["From"]) == SENDER  # no clinic name set: the bare address


def test_the_wording_never_holds_the_patients_code(app: Flask) -> None:
    app.config.update(PUBLIC_URL="https://check.clinic.example")
    with app.test_request_context():
        enrolment = Enrolment(language="en", token_hash="f" * 64)
        subject, text = wording(enrolment, __import__("datetime").date(2026, 12, 7))
    assert "https://check.clinic.example/followup" in text
    assert "f" * 16 not in text


@pytest.mark.parametrize(("value", "page"), [
    ("", ""), ("https://check.clinic.example", "https://check.clinic.example/followup"),
    ("https://clinic.example/recovery/", "https://clinic.example/recovery/followup"),
])
def test_the_check_in_page_follows_the_public_address(value: str, page: str) -> None:
    assert checkin_page({"PUBLIC_URL": value}) == page


def test_the_sender_is_named_in_the_patients_language() -> None:
    config = {"SMTP_SENDER": SENDER, "CLINIC_NAME": "Riverside", "CLINIC_NAME_ES": "Ribera"}
    assert sender(config, "es") == f"Ribera <{SENDER}>"
    assert sender({"SMTP_SENDER": SENDER, "CLINIC_NAME": "Spine, Inc."}, "en") == (
        f'"Spine, Inc." <{SENDER}>')


@pytest.mark.parametrize("value", ["check.clinic.example", "ftp://clinic.example",
                                   "https://", "https://clinic.example/?a=1",
                                   "https://clinic.example/#x", "https://u:p@clinic.example",
                                   "https://clinic .example"])
def test_a_public_address_that_is_not_one_is_refused(value: str) -> None:
    config = {**defaults(), "SECRET_KEY": "k", "PUBLIC_URL": value}
    with pytest.raises(ConfigError, match="PUBLIC_URL must be the site's address"):
        check(config)


def test_the_public_address_is_read_from_the_environment() -> None:
    config = from_environment({"PUBLIC_URL": " https://check.clinic.example ",
                               "SECRET_KEY": "k" * 32})
    assert config["PUBLIC_URL"] == "https://check.clinic.example"
    check({**defaults(), "SECRET_KEY": "k", "PUBLIC_URL": config["PUBLIC_URL"]})

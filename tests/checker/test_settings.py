"""Settings read strictly: a yes/no or a number written any other way stops the app, naming it."""

import pytest

from checker import create_app
from checker.settings import ConfigError, from_environment

BASE = {"SECRET_KEY": "test"}


@pytest.mark.parametrize("word", ["true", "TRUE", "yes", "1", "on", " On "])
def test_a_yes_word_turns_secure_cookies_on(word: str) -> None:
    assert from_environment({**BASE, "SESSION_COOKIE_SECURE": word})["SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize("word", ["false", "no", "0", "off", "OFF"])
def test_a_no_word_turns_secure_cookies_off(word: str) -> None:
    config = from_environment({**BASE, "SESSION_COOKIE_SECURE": word})
    assert config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize("word", ["y", "enabled", "2", "truee", "si"])
def test_any_other_word_stops_the_app_naming_the_variable(word: str) -> None:
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE must be true or false"):
        from_environment({**BASE, "SESSION_COOKIE_SECURE": word})


def test_database_timeouts_are_read_as_whole_seconds() -> None:
    config = from_environment({**BASE, "DATABASE_LOCK_TIMEOUT": "5",
                               "DATABASE_STATEMENT_TIMEOUT": "10"})
    assert (config["DATABASE_LOCK_TIMEOUT"], config["DATABASE_STATEMENT_TIMEOUT"]) == (5, 10)


def test_a_database_timeout_that_is_not_a_number_stops_the_app_naming_it() -> None:
    with pytest.raises(ConfigError, match="DATABASE_LOCK_TIMEOUT must be a whole number"):
        from_environment({**BASE, "DATABASE_LOCK_TIMEOUT": "5s"})


def test_the_database_roles_urls_and_the_audit_key_are_read() -> None:
    config = from_environment({**BASE, "MIGRATION_DATABASE_URL": "postgresql://owner@db/rc",
                               "PURGE_DATABASE_URL": "postgres://purge@db/rc",
                               "AUDIT_KEY": "k" * 40})
    assert config["MIGRATION_DATABASE_URL"] == "postgresql+psycopg://owner@db/rc"
    assert config["PURGE_DATABASE_URL"] == "postgresql+psycopg://purge@db/rc"
    assert config["AUDIT_KEY"] == "k" * 40


@pytest.mark.parametrize(("setting", "value", "named"), [
    ("FOLLOWUP_RETENTION_DAYS", 30, "FOLLOWUP_RETENTION_DAYS must be at least 90 days"),
    ("AUDIT_KEY", "too short", "AUDIT_KEY must be at least 32 characters"),
])
def test_the_app_refuses_to_start_on_a_retention_or_key_that_cannot_hold(
    setting: str, value: object, named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        create_app({"TESTING": True, "SECRET_KEY": "test", setting: value})

"""Configuration from the environment, checked at start with a clear message."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from checker.followup.monitoring import parse_hours
from checker.validators import first_unstorable

DEVELOPMENT = "development"
TEMPERATURE_UNITS = ("F", "C")
TLS_MODES = ("none", "starttls", "ssl")  # how reminders reach the mail server
_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{1,30}$")
# The clinic's name, and its name in one language: CLINIC_NAME_ES for Spanish pages and e-mails.
CLINIC_NAME = "CLINIC_NAME"
CLINIC_NAME_IN = "CLINIC_NAME_"
MAX_CLINIC_NAME = 100  # it stands in a button: "Call <clinic>: <phone>"


class ConfigError(RuntimeError):
    """A setting that is missing or malformed; the app refuses to start."""


def defaults() -> dict[str, Any]:
    """Settings every app starts from."""
    return {
        # Empty: pages say "your doctor's office" in their own language.
        "CLINIC_NAME": "",
        "CLINIC_PHONE": "",
        "AFTER_HOURS_PHONE": "",
        "EMERGENCY_NUMBER": "911",
        "DEFAULT_TEMPERATURE_UNIT": "F",
        "MAX_CONTENT_LENGTH": 64 * 1024,  # a whole answer set is well under 4 KB
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SQLALCHEMY_DATABASE_URI": None,  # filled in from the instance folder
        "RATELIMIT_STORAGE_URI": "memory://",
        "NURSE_IDLE_MINUTES": 15,
        # Follow-up records older than this are removed by `flask followup purge`.
        "FOLLOWUP_RETENTION_DAYS": 365,
        # How many reverse proxies stand in front; their X-Forwarded-* headers are trusted
        # only then, so a client cannot forge its address or scheme when nobody is in front.
        "TRUSTED_PROXIES": 0,
        # A shared Redis for rate limits and sessions when several instances run; empty: none.
        "REDIS_URL": "",
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
        # The clinic's IANA time zone for times shown and typed (stored times stay UTC);
        # empty: the server's own zone.
        "CLINIC_TIMEZONE": "",
        # When someone watches follow-up check-ins as they arrive, in the clinic's zone, such
        # as "Mon-Fri 08:00-17:00"; empty: nobody does, and every check-in result says so.
        "MONITORING_HOURS": "",
        # When the office answers its phone, written the same way; a result that says "call
        # your doctor now" rings the office in these hours and the after-hours line outside
        # them. Empty: the office's number is the button and the after-hours line a link.
        "OFFICE_HOURS": "",
        # An alert on the follow-up worklist unreviewed longer than this many minutes (counted
        # inside MONITORING_HOURS when they are set) is flagged "Overdue" and listed first.
        "REVIEW_OVERDUE_MINUTES": 60,
        # Every local account must sign in with a second factor (TOTP or a recovery code);
        # one without is sent to set it up right after the password (docs/sign-in.md).
        "REQUIRE_SECOND_FACTOR": False,
        # Follow-up reminders by e-mail (`flask followup remind`); no SMTP_HOST: no e-mail.
        "SMTP_HOST": "",
        "SMTP_PORT": 25,
        "SMTP_TLS": "starttls",  # none, starttls or ssl
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
        "SMTP_SENDER": "",
        # A text-message adapter, "module:Class" with send(to, text); empty: no texts.
        "SMS_ADAPTER": "",
        # The site's address as patients reach it, such as https://check.clinic.example: a
        # reminder links to its fixed check-in page (/followup). Empty: reminders carry no link.
        "PUBLIC_URL": "",
        # Single sign-on through the clinic's identity provider (OpenID Connect, docs/sign-in.md):
        # no issuer, none. The role claim's values say who is a nurse and who an administrator.
        "OIDC_ISSUER": "",
        "OIDC_CLIENT_ID": "",
        "OIDC_CLIENT_SECRET": "",
        "OIDC_SCOPES": "openid profile email",
        "OIDC_ROLE_CLAIM": "roles",
        "OIDC_ADMIN_ROLES": (),
        "OIDC_NURSE_ROLES": (),
        "OIDC_CA_BUNDLE": "",  # a PEM file of the CAs that may sign the provider's certificate
        # Off: no password signs in, single sign-on only (it must be set up).
        "LOCAL_SIGN_IN": True,
    }


def from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Settings read from environment variables, validated."""
    env = environ.get("RECOVERY_CHECK_ENV", "production")
    config: dict[str, Any] = {"ENV_NAME": env, "SECRET_KEY": _secret_key(environ, env)}
    config.update(_clinic_settings(environ))
    _check_clinic_names(config)  # here too: Flask's config keeps upper-case names only
    if environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = _database_url(environ["DATABASE_URL"])
    for name, is_set, read in _SETTINGS:
        if is_set(environ.get(name)):
            config[name] = read(name, environ)
    return config


def _secret_key(environ: Mapping[str, str], env: str) -> str:
    """SECRET_KEY; on a developer's machine a random one when it is not set."""
    secret = environ.get("SECRET_KEY", "")
    if secret:
        return secret
    if env != DEVELOPMENT:
        raise ConfigError(
            "SECRET_KEY is required: set it to a long random string "
            "(or set RECOVERY_CHECK_ENV=development on a developer's machine)."
        )
    return secrets.token_hex(32)


def _clinic_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The clinic's names and phone numbers, the emergency number and the temperature unit."""
    names = [
        name
        for name in ("CLINIC_NAME", "CLINIC_PHONE", "AFTER_HOURS_PHONE", "EMERGENCY_NUMBER")
        if name in environ
    ]
    # Every name in a language, so that a misspelt language is refused, not ignored.
    names += [name for name in environ if name.startswith(CLINIC_NAME_IN)]
    config = {name: environ[name].strip() for name in names}
    if "DEFAULT_TEMPERATURE_UNIT" in environ:
        config["DEFAULT_TEMPERATURE_UNIT"] = environ["DEFAULT_TEMPERATURE_UNIT"].strip().upper()
    return config


# The words a yes/no setting may be written with, as healthchecks' envbool reads them.
YES_WORDS = frozenset({"true", "yes", "1", "on"})
NO_WORDS = frozenset({"false", "no", "0", "off"})


def yes_or_no(name: str, environ: Mapping[str, str]) -> bool:
    """A yes/no setting (true/false, yes/no, 1/0, on/off), or a ConfigError naming it."""
    raw = environ[name].strip().lower()
    if raw in YES_WORDS:
        return True
    if raw in NO_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false (or yes/no, 1/0, on/off), "
                      f"not {environ[name]!r}.")


def _positive_int(name: str, environ: Mapping[str, str]) -> int:
    """A whole number above zero, or a ConfigError naming the variable."""
    raw = environ[name].strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a whole number of 1 or more, not {raw!r}.")
    return int(raw)


def _count(name: str, environ: Mapping[str, str]) -> int:
    """A whole number of 0 or more, or a ConfigError naming the variable."""
    raw = environ[name].strip()
    if not raw.isdigit():
        raise ConfigError(f"{name} must be a whole number of 0 or more, not {raw!r}.")
    return int(raw)


def _database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _as_written(name: str, environ: Mapping[str, str]) -> str:
    """A setting exactly as written: a key or an address."""
    return environ[name]


def _stripped(name: str, environ: Mapping[str, str]) -> str:
    """A setting without the blanks around it."""
    return environ[name].strip()


def _names(name: str, environ: Mapping[str, str]) -> tuple[str, ...]:
    """A list of names separated by commas, blanks around each left out."""
    return tuple(part.strip() for part in environ[name].split(",") if part.strip())


def _database(name: str, environ: Mapping[str, str]) -> str:
    """A database URL, for psycopg 3 when it names PostgreSQL."""
    return _database_url(environ[name].strip())


def _redis_url(name: str, environ: Mapping[str, str]) -> str:
    """A Redis URL, or a ConfigError."""
    url = environ[name].strip()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"{name} must start with redis://, rediss:// or unix://.")
    return url


def _given(value: str | None) -> bool:
    """Whether a variable is set to something, blanks included."""
    return bool(value)


def _not_blank(value: str | None) -> bool:
    """Whether a variable is set to something other than blanks."""
    return bool(value and value.strip())


# The settings read from variables of their own name, in this order (the first bad one is
# named): each when its variable passes the test, read and checked by the function beside it.
_SETTINGS: tuple[
    tuple[str, Callable[[str | None], bool], Callable[[str, Mapping[str, str]], Any]], ...
] = (
    # The owner's role for migrations and the purge's own role (docs/database-roles.md).
    ("MIGRATION_DATABASE_URL", _not_blank, _database),
    ("PURGE_DATABASE_URL", _not_blank, _database),
    ("AUDIT_KEY", _given, _as_written),  # checked at start; never logged
    ("RATELIMIT_STORAGE_URI", _given, _as_written),
    ("FOLLOWUP_RETENTION_DAYS", _given, _positive_int),
    ("NURSE_IDLE_MINUTES", _given, _positive_int),
    ("TRUSTED_PROXIES", _given, _count),
    ("REDIS_URL", _given, _redis_url),
    ("CLINIC_TIMEZONE", _given, _stripped),
    ("MONITORING_HOURS", _given, _stripped),
    ("OFFICE_HOURS", _given, _stripped),
    ("REVIEW_OVERDUE_MINUTES", _given, _positive_int),
    *(
        (name, _given, _stripped)
        for name in ("SMTP_HOST", "SMTP_TLS", "SMTP_USER", "SMTP_PASSWORD", "SMTP_SENDER",
                     "SMS_ADAPTER")
    ),
    ("SMTP_PORT", _given, _positive_int),
    ("PUBLIC_URL", _not_blank, _stripped),
    ("SESSION_COOKIE_SECURE", _not_blank, yes_or_no),
    ("REQUIRE_SECOND_FACTOR", _not_blank, yes_or_no),
    *(
        (name, _not_blank, _stripped)
        for name in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_SCOPES", "OIDC_ROLE_CLAIM",
                     "OIDC_CA_BUNDLE")
    ),
    ("OIDC_CLIENT_SECRET", _given, _as_written),  # never logged
    ("OIDC_ADMIN_ROLES", _given, _names),
    ("OIDC_NURSE_ROLES", _given, _names),
    ("LOCAL_SIGN_IN", _not_blank, yes_or_no),
    ("DATABASE_LOCK_TIMEOUT", _not_blank, _count),
    ("DATABASE_STATEMENT_TIMEOUT", _not_blank, _count),
)


def check(config: Mapping[str, Any]) -> None:
    """Refuse to start on a setting that would mislead a patient."""
    _check_clinic_names(config)
    for name in ("CLINIC_PHONE", "AFTER_HOURS_PHONE"):
        value = config.get(name) or ""
        if value and not _PHONE.match(value):
            raise ConfigError(
                f"{name} must be a phone number (digits, spaces, + - . ( )), not {value!r}."
            )
    number = config.get("EMERGENCY_NUMBER") or ""
    if not _PHONE.match(number):
        raise ConfigError(f"EMERGENCY_NUMBER must be a phone number such as 911, not {number!r}.")
    if config.get("DEFAULT_TEMPERATURE_UNIT") not in TEMPERATURE_UNITS:
        raise ConfigError("DEFAULT_TEMPERATURE_UNIT must be F or C.")
    if not config.get("SECRET_KEY"):
        raise ConfigError("SECRET_KEY is required.")
    zone = config.get("CLINIC_TIMEZONE") or ""
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ConfigError(
                f"CLINIC_TIMEZONE must be an IANA time zone such as America/New_York, "
                f"not {zone!r}."
            ) from error
    for name in ("MONITORING_HOURS", "OFFICE_HOURS"):
        try:
            parse_hours(config.get(name) or "")
        except ValueError as error:
            raise ConfigError(f"{name}: {error}, not {config[name]!r}.") from error
    _check_mail(config)


def _check_mail(config: Mapping[str, Any]) -> None:
    """Refuse a mail setting that would fail at the first reminder."""
    if config.get("SMTP_TLS", "starttls") not in TLS_MODES:
        raise ConfigError(f"SMTP_TLS must be none, starttls or ssl, not {config['SMTP_TLS']!r}.")
    if config.get("SMTP_HOST") and "@" not in (config.get("SMTP_SENDER") or ""):
        raise ConfigError("SMTP_SENDER must be the e-mail address reminders are sent from, "
                          "such as followup@clinic.example, when SMTP_HOST is set.")
    adapter = config.get("SMS_ADAPTER") or ""
    if adapter and ":" not in adapter:
        raise ConfigError(f"SMS_ADAPTER must be written module:Class, not {adapter!r}.")
    public = config.get("PUBLIC_URL") or ""
    parts = urlsplit(public)
    if public and (parts.scheme not in ("https", "http") or not parts.hostname
                   or parts.query or parts.fragment or parts.username or parts.password
                   or any(c.isspace() for c in public)):
        raise ConfigError("PUBLIC_URL must be the site's address as patients reach it, such as "
                          f"https://check.clinic.example, not {public!r}.")


def _check_clinic_names(config: Mapping[str, Any]) -> None:
    """Refuse a clinic's name that cannot stand on a page, or one for a language not offered."""
    from checker.i18n import LANGUAGES  # the language module reads its own settings errors here

    offered = ", ".join(f"{CLINIC_NAME_IN}{code.upper()}" for code in LANGUAGES)
    for name in sorted(key for key in config if key.startswith(CLINIC_NAME)):
        value = config[name]
        if not isinstance(value, str):
            raise ConfigError(f"{name} must be text, not {value!r}.")
        if name != CLINIC_NAME:
            code = name[len(CLINIC_NAME_IN):]
            if code != code.upper() or code.lower() not in LANGUAGES:
                raise ConfigError(f"{name} names no language the app offers: use one of "
                                  f"{offered}.")
            if not value.strip():
                raise ConfigError(f"{name} is set but empty: give the clinic's name in that "
                                  f"language, or unset it to use {CLINIC_NAME}.")
        found = first_unstorable(value, multiline=False)
        if found is not None:
            raise ConfigError(f"{name} must be one line of text: it has a {found[1]} "
                              f"(character {found[0]}).")
        if len(value) > MAX_CLINIC_NAME:
            raise ConfigError(f"{name} must be at most {MAX_CLINIC_NAME} characters, "
                              f"not {len(value)}.")


def clinic_name(config: Mapping[str, Any], language: str) -> str:
    """The clinic's name in a language (CLINIC_NAME_ES), else CLINIC_NAME; '' when neither."""
    return str(config.get(f"{CLINIC_NAME_IN}{language.upper()}") or config.get(CLINIC_NAME) or "")


def tel(number: str) -> str:
    """A phone number as a tel: URI (digits and a leading +)."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)

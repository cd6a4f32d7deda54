"""The patient's language: English or Spanish, chosen on the page or by the browser.

Interface words come from Babel's catalogs in `checker/translations` (see docs/languages.md),
read once when the app starts; the protocol's own words come from the protocol's translations.
The nurse console stays in English; a nurse can print a patient's handout in the patient's
language.
"""

from __future__ import annotations

import io
import logging
from functools import cached_property, lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from babel.core import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, request
from flask_babel import Babel, Domain, get_locale, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from checker.answer_form import shown_number
from checker.settings import ConfigError
from rules import load_protocol

LANGUAGES = ("en", "es")
NAMES = {"en": "English", "es": "Español"}
LANG_FIELD = "lang"  # a query or form field that picks the language and travels with answers
SWITCH_LANG = "switch_lang"  # the "Español" / "English" button of a page that carries answers
NURSE_PREFIX = "/nurse/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SOURCE_LANGUAGE = "en"  # the words marked in the code and templates: it needs no catalog
DOMAIN = "messages"
CATALOGS = "recovery_check_catalogs"  # the app's loaded catalogs, in app.extensions

log = logging.getLogger(__name__)

def catalog_folder(app: Flask) -> Path:
    """Where the interface catalogs are: checker/translations/<language>/LC_MESSAGES."""
    return Path(app.root_path) / "translations"


def load_catalogs(folder: Path) -> dict[tuple[str, str], Translations]:
    """Every offered language's catalog, or ConfigError naming the one that cannot be read.

    A compiled catalog (.mo) is used only when it is at least as new as its .po; otherwise,
    as in a fresh clone (.mo files are never committed), the .po is compiled here in memory.
    """
    # The marked words are English already: an empty catalog, so no page looks for a file.
    catalogs = {(SOURCE_LANGUAGE, DOMAIN): Translations()}
    for code in LANGUAGES:
        if code == SOURCE_LANGUAGE:
            continue
        po = folder / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if not po.is_file():
            raise ConfigError(f"The {NAMES[code]} interface catalog {po} is missing, so its "
                              f"pages would be half in English: restore it from the repository.")
        try:
            if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
                compiled = mo.read_bytes()
            else:
                with po.open("rb") as handle:
                    catalog = read_po(handle, locale=code, domain=DOMAIN)
                buffer = io.BytesIO()
                write_mo(buffer, catalog)
                compiled = buffer.getvalue()
                log.info("interface catalog %s compiled from %s at start", code, po.name)
            catalogs[(code, DOMAIN)] = Translations(io.BytesIO(compiled), domain=DOMAIN)
        except (OSError, ValueError) as error:
            raise ConfigError(f"The {NAMES[code]} interface catalog {po} cannot be read "
                              f"({error}).") from error
    return catalogs


class _AppCatalogs(Domain):
    """Flask-Babel's message domain, answering from the catalogs the app loaded at start."""

    def get_translations_cache(self, ctx: Any) -> dict[tuple[str, str], Translations]:
        """The app's own catalogs; a language with none (English) is added on first use."""
        catalogs: dict[tuple[str, str], Translations] = current_app.extensions[CATALOGS]
        return catalogs


class _Babel(Babel):
    """Flask-Babel, with each app's catalogs read once at its start (see load_catalogs)."""

    @cached_property
    def domain_instance(self) -> Domain:
        """The one message domain, reading the current app's catalogs."""
        return _AppCatalogs(domain=self.domain)


babel = _Babel()


def chosen_language() -> str:
    """The language asked for on the page, else the browser's first one we have, else English."""
    asked = request.args.get(LANG_FIELD, "")
    if not asked and request.mimetype in FORM_TYPES:
        try:
            asked = request.form.get(SWITCH_LANG) or request.form.get(LANG_FIELD, "")
        except HTTPException:  # a body too large to read: its error page picks by the browser
            asked = ""
    if asked in LANGUAGES:
        return asked
    if request.path.startswith(NURSE_PREFIX):
        return "en"  # the console is in English; only a handout may be asked in another
    return browser_language()


def browser_language() -> str:
    """The browser's first language that we have (Accept-Language), else English."""
    return _best_of(request.headers.get("Accept-Language", ""))


@lru_cache(maxsize=256)
def _best_of(accept_language: str) -> str:
    """The best of our languages for one Accept-Language header, worked out once per header."""
    accepted = parse_accept_header(accept_language or None, LanguageAccept)
    return accepted.best_match(LANGUAGES) or "en"


def language() -> str:
    """The language of the page being made."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


def _catalog() -> Translations | NullTranslations:
    """The catalog of the locale in force, found once rather than for every word of a page.

    Flask-Babel finds the locale and its catalog again for each word, a tenth of a page's
    time. The catalog is kept beside the locale Flask-Babel chose for this request and used
    while that same locale is in force; `force_locale` puts another in, so it is found anew.
    """
    state: SimpleNamespace | None = getattr(g, "_flask_babel", None) if g else None
    locale: Locale | None = getattr(state, "babel_locale", None)
    if state is None or locale is None:  # no request, or its first word: Flask-Babel picks it
        return get_translations()
    kept: tuple[Locale, Translations | NullTranslations] | None = getattr(
        state, "kept_catalog", None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    catalog = get_translations()
    state.kept_catalog = (locale, catalog)
    return catalog


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """A template's `_()`, as Jinja's newstyle gettext: trusted words, escaped variables."""
    words = _catalog().ugettext(string)
    if eval_ctx.autoescape:
        words = Markup(words)
    return words % variables if variables or "%" in words else words


def init_app(app: Flask) -> None:
    """Pick each request's language and give templates what they need to show it."""
    babel.init_app(app, locale_selector=chosen_language)
    app.extensions[CATALOGS] = load_catalogs(catalog_folder(app))
    # The same words as Flask-Babel's own template functions, without finding the catalog anew.
    # Jinja's i18n extension (which Flask-Babel loads) adds this method to the environment
    # when it is loaded, so Environment's own type does not have it.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # `_` and `gettext` are most of a page's template calls: one call each instead of three.
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = _template_gettext
    # A typed number shown back, in the page's language's way (38,5 in Spanish).
    app.jinja_env.filters["typed_number"] = shown_number

    @app.context_processor
    def languages() -> dict[str, Any]:
        """The page's language, the others to switch to, and whether it is reviewed."""
        current = language()
        others = [(code, NAMES[code]) for code in LANGUAGES if code != current]
        reviewed = load_protocol().reviewed
        return {
            "lang": current,
            "other_languages": others,
            "lang_field": LANG_FIELD,
            "switch_lang": SWITCH_LANG,
            "lang_reviewed": current in reviewed or current == load_protocol().language,
        }

# Flask-Babel 4.0: the part the app uses (see typings/README.md).
from collections.abc import Callable, MutableMapping
from contextlib import AbstractContextManager
from decimal import Decimal
from functools import cached_property
from types import SimpleNamespace
from typing import Any

from babel.core import Locale
from babel.support import NullTranslations, Translations
from flask import Flask
from flask_babel.speaklater import LazyString

class Domain:
    def __init__(
        self,
        translation_directories: str | list[str] | None = None,
        domain: str | list[str] = "messages",
    ) -> None: ...
    def get_translations_cache(
        self, ctx: SimpleNamespace
    ) -> MutableMapping[tuple[str, str], Translations]: ...
    def get_translations(self) -> Translations | NullTranslations: ...

class Babel:
    def __init__(
        self,
        app: Flask | None = None,
        date_formats: dict[str, str | None] | None = None,
        configure_jinja: bool = True,
        *args: Any,
        **kwargs: Any,
    ) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = "en",
        default_domain: str = "messages",
        default_translation_directories: str = "translations",
        default_timezone: str = "UTC",
        locale_selector: Callable[[], str | Locale | None] | None = None,
        timezone_selector: Callable[[], str | None] | None = None,
    ) -> None: ...
    @property
    def domain(self) -> str: ...
    @cached_property
    def domain_instance(self) -> Domain: ...

def get_translations() -> Translations | NullTranslations: ...
def get_locale() -> Locale | None: ...
def force_locale(locale: str | Locale) -> AbstractContextManager[None]: ...
def format_decimal(number: float | Decimal | str, format: str | None = None) -> str: ...

# The module functions pass their arguments on to the current Domain's methods of that name.
def gettext(string: str, **variables: Any) -> str: ...
def lazy_gettext(string: str, **variables: Any) -> LazyString: ...

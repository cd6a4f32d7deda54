# Flask-Login 0.6: the part the app uses (see typings/README.md).
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from flask import Flask
from werkzeug.wrappers import Response

_P = ParamSpec("_P")
_R = TypeVar("_R")
_Loader = TypeVar("_Loader", bound=Callable[[str], Any])

class UserMixin:
    @property
    def is_active(self) -> bool: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...
    def get_id(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class LoginManager:
    login_view: str | None
    login_message: str
    session_protection: str | None
    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = True) -> None: ...
    # The loader gets the id the session keeps and returns the user, or None for nobody.
    def user_loader(self, callback: _Loader) -> _Loader: ...

# The signed-in user as the app's user_loader returned it, or an AnonymousUserMixin: the
# library cannot know the app's user class.
current_user: Any

def login_user(
    user: Any,
    remember: bool = False,
    duration: timedelta | None = None,
    force: bool = False,
    fresh: bool = True,
) -> bool: ...
def logout_user() -> bool: ...

# The view's own answer, or the login manager's (a redirect to the sign-in page).
def login_required(func: Callable[_P, _R]) -> Callable[_P, _R | Response]: ...

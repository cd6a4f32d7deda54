from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask
from werkzeug.exceptions import BadRequest

_Exempt = TypeVar("_Exempt", bound=Callable[..., Any] | Blueprint | str)

class CSRFProtect:
    def __init__(self, app: Flask | None = None) -> None: ...
    def init_app(self, app: Flask) -> None: ...
    # A view function, a blueprint, or a view's "module.name".
    def exempt(self, view: _Exempt) -> _Exempt: ...

class CSRFError(BadRequest): ...

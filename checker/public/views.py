"""The patient's self-check at /: short steps, "Check your answers", then the result.

The anonymous check changes nothing on the server, so it needs no cookie and no CSRF token:
an old page or a browser that blocks cookies loses no answer.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from checker.extensions import csrf
from checker.public.pages import CheckKind, serve_check

bp = Blueprint("public", __name__)

ANONYMOUS = CheckKind()


@bp.route("/", methods=["GET", "POST"])
@csrf.exempt
def check() -> Any:
    """The first step; then every step with every answer in the form, and the result."""
    return serve_check(ANONYMOUS, posted=request.method == "POST")

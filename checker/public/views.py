"""The patient's self-check at /: short steps, "Check your answers", then the result.

The anonymous check changes nothing on the server, so it needs no cookie and no CSRF token:
an old page or a browser that blocks cookies loses no answer.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from checker.extensions import csrf
from checker.public.flow import Check
from checker.public.pages import CheckKind, serve_check
from rules.shortcode import CodeError, encode

bp = Blueprint("public", __name__)


def short_code(check: Check, result: dict[str, Any]) -> dict[str, Any]:
    """The code the patient can read to a nurse: their answers, kept nowhere."""
    try:
        return {"short_code": encode(check.protocol, check.answers)}
    except CodeError:  # an answer a code cannot hold: the nurse asks instead
        return {}


ANONYMOUS = CheckKind(on_result=short_code)


@bp.route("/", methods=["GET", "POST"])
@csrf.exempt
def check() -> Any:
    """The first step; then every step with every answer in the form, and the result."""
    return serve_check(ANONYMOUS, posted=request.method == "POST")

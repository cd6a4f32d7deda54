"""Placeholder blueprint, replaced by the real one."""

from flask import Blueprint

bp = Blueprint("public", __name__)

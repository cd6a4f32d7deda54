"""Placeholder blueprint, replaced by the real one."""

from flask import Blueprint

bp = Blueprint("api", __name__)

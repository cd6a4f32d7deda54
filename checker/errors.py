"""Placeholder for the friendly error pages, replaced by the real ones."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the error handlers."""

"""Placeholder for the nurse console, replaced by the real one."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the nurse console with the app."""

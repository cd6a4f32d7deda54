"""The JSON API for other systems."""

from checker.api.views import bp

__all__ = ["bp"]

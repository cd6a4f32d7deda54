"""The JSON API for other systems."""

from checker.api.hooks import skip_unused_hooks
from checker.api.views import bp

__all__ = ["bp", "skip_unused_hooks"]

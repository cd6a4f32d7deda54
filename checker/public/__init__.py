"""The patient's self-check pages."""

from checker.public.views import bp

__all__ = ["bp"]

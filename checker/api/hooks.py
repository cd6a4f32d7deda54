"""The app-wide request hooks the API has no use for, skipped on its requests alone.

Speed machinery, kept because it earns it: a `POST /api/v1/assessments` through the whole app
takes 1.08x to 1.17x as long with every hook run (about 20 µs a request), measured by
`python -m bench.machinery --only api` (bench/README.md, "Speed machinery"). The plain way is
not calling `skip_unused_hooks`; the app's behaviour is the same either way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, request

from checker.extensions import csrf, limiter, login_manager

# What the API does not use: it is CSRF-exempt and never rate limited (checker.api.views), sets
# no cookie and signs nobody in. Every other hook, and every other route, is left as it was.
UNUSED = (csrf, limiter, login_manager)

# One kind of Flask hook: before-request, after-request or teardown.
Hook = TypeVar("Hook", bound=Callable[..., Any])


def _owners(hook: Callable[..., Any]) -> list[Any]:
    """What a registered hook is bound to: a bound method's object, a partial's first argument,
    or the variables a closure keeps (CSRFProtect registers a closure over itself)."""
    if isinstance(hook, functools.partial):
        return list(hook.args[:1])
    owner = getattr(hook, "__self__", None)
    if owner is not None:
        return [owner]
    return [cell.cell_contents for cell in getattr(hook, "__closure__", None) or ()]


def _unused(hook: Callable[..., Any]) -> bool:
    """Whether a hook belongs to an extension the API does not use."""
    return any(owner is extension for owner in _owners(hook) for extension in UNUSED)


def _skipping(hook: Hook, blueprint: str, passthrough: bool) -> Hook:
    """The hook, run for every request except the blueprint's (returning the response as is)."""

    @functools.wraps(hook)
    def run(*args: Any) -> Any:
        if request.blueprint == blueprint:
            return args[0] if passthrough else None
        return hook(*args)

    return run  # type: ignore[return-value]  # functools.wraps keeps the hook's signature


def _wrap_unused(hooks: list[Hook], blueprint: str, passthrough: bool) -> None:
    """Wrap, in place, the hooks of one list that belong to an extension the API does not use."""
    hooks[:] = [_skipping(h, blueprint, passthrough) if _unused(h) else h for h in hooks]


def skip_unused_hooks(app: Flask, blueprint: str) -> None:
    """Wrap the app-wide CSRF, rate-limit and sign-in hooks so the API's requests skip them."""
    # Called once every extension is bound: only hooks registered for all routes are wrapped.
    _wrap_unused(app.before_request_funcs.get(None, []), blueprint, False)
    _wrap_unused(app.after_request_funcs.get(None, []), blueprint, True)
    _wrap_unused(app.teardown_request_funcs.get(None, []), blueprint, False)

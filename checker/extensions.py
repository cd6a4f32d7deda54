"""The Flask extensions, created once and bound to an app in the factory."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as RequestSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session


class Base(DeclarativeBase):
    """Base class of every model."""


class SafeSQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy whose end-of-request clean-up survives a database that just went away."""

    def _teardown_session(self, exc: BaseException | None) -> None:
        """Remove the request's session; a dead connection must not turn into a bare 500."""
        # The rollback in remove() runs after every error handler. If the server shut down
        # after the request's last query, it raises there and the WSGI server answers its own
        # empty 500; the connection is discarded by the pool anyway, so forget the session.
        try:
            self.session.remove()
        except DBAPIError:
            self.session.registry.clear()


db = SafeSQLAlchemy(model_class=Base)

# The class every model subclasses: db.Model, which Flask-SQLAlchemy builds at run time from
# Base's body and its own mixins. Mypy cannot take a base class from an attribute, so it is
# told of a declarative class made from Base, as db.Model is.
if TYPE_CHECKING:
    class Model(Base):
        """db.Model, as the type checker sees it."""

        __abstract__ = True
else:
    Model = db.Model

# The request's session (db.session) or one of a function's own (a migration's, a CLI's).
AnySession: TypeAlias = Session | scoped_session[RequestSession]
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()


class SharedLimiter(Limiter):
    """Flask-Limiter keeping its counts in REDIS_URL when set, so every instance shares them."""

    def init_app(self, app: Flask) -> None:
        """Count in Redis unless another shared storage was configured."""
        url = app.config.get("REDIS_URL")
        if url and app.config.get("RATELIMIT_STORAGE_URI", "memory://") == "memory://":
            # The limits library names a Redis socket redis+unix://.
            if url.startswith("unix://"):
                url = "redis+" + url
            app.config["RATELIMIT_STORAGE_URI"] = url
            # While Redis is down, count in this process rather than fail every sign-in.
            app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        # Flask-Limiter keeps a fallback once any app turned it on; each app decides its own.
        self._in_memory_fallback_enabled = False
        super().init_app(app)
        # A storage found dead by an earlier app of this process is tried afresh.
        self._storage_dead = False


    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        """Check the limits, except on routes a request filter declares unlimited."""
        # The filters alone would still leave Flask-Limiter's per-request bookkeeping, which
        # costs the JSON API more than its own assessment does.
        if in_middleware and any(fn() for fn in self._request_filters):
            return
        super()._check_request_limit(callable_name, in_middleware)


# No default limits: only the routes that need one (nurse login) declare it.
limiter = SharedLimiter(key_func=get_remote_address, default_limits=[])

"""Where sessions live (a signed cookie, or Redis for several instances) and how they end."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import redis
from flask import Flask, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Request, Response
from itsdangerous import BadSignature, Signer
from sqlalchemy import update

from checker.extensions import db
from checker.nurse.models import Nurse

log = logging.getLogger(__name__)
# The nurse's session version at sign-in; a session holding an older one is void.
SESSION_VERSION = "nurse_session_version"
REDIS_PREFIX = "recovery-check:session:"
KNOWN_VERSION_PREFIX = "recovery-check:nurse-version:"
KNOWN_VERSIONS = "nurse_known_versions"  # the app's extension key


class KnownVersions:
    """The newest session version read for each nurse, to judge a session during an outage.

    Each nurse loaded from the database leaves their current version here (in Redis when the
    instances share one, so every instance knows what any of them read); ending a nurse's
    sessions forgets it. With the database down a session is kept only when its version is
    the one known: a revoked session, or one nobody can vouch for, is refused.
    """

    def __init__(self, client: redis.Redis | None) -> None:
        """Keep versions in this Redis, or in this process when there is none."""
        self.client = client
        self.local: dict[int, int] = {}

    def remember(self, nurse_id: int, version: int) -> None:
        """Note a nurse's current version."""
        if self.local.get(nurse_id) == version:
            return  # known already: ending sessions forgets it everywhere, so nothing to write
        self.local[nurse_id] = version
        if self.client is not None:
            try:
                self.client.set(KNOWN_VERSION_PREFIX + str(nurse_id), version)
            except redis.RedisError as error:
                log.warning("the session store is unavailable: %s", type(error).__name__)

    def forget(self, nurse_id: int) -> None:
        """Forget a nurse's version, so no session of theirs is kept through an outage."""
        self.local.pop(nurse_id, None)
        if self.client is not None:
            try:
                self.client.delete(KNOWN_VERSION_PREFIX + str(nurse_id))
            except redis.RedisError as error:
                # Sign-out goes on; while Redis is down it vouches for no session anyway.
                log.error("the session store could not forget a session version: %s",
                          type(error).__name__)

    def newest(self, nurse_id: int) -> int | None:
        """The version known for this nurse, or None when nothing vouches for one."""
        if self.client is None:
            return self.local.get(nurse_id)
        try:
            stored = self.client.get(KNOWN_VERSION_PREFIX + str(nurse_id))
        except redis.RedisError as error:
            log.warning("the session store is unavailable: %s", type(error).__name__)
            return None
        return int(stored) if stored is not None else None


def known_versions() -> KnownVersions:
    """This app's record of the nurses' current session versions."""
    versions: KnownVersions = current_app.extensions[KNOWN_VERSIONS]
    return versions


def end_every_session(nurse_id: int) -> None:
    """Void every session of this nurse, on every device and instance (the caller commits)."""
    known_versions().forget(nurse_id)
    db.session.execute(
        update(Nurse).where(Nurse.id == nurse_id)
        .values(session_version=Nurse.session_version + 1)
    )


# The JSON API keeps no session: it neither reads nor sets a cookie, so no request of it pays
# for opening, signing or storing one.
SESSIONLESS_PREFIX = "/api/"


def _sessionless(request: Request) -> bool:
    """Whether this request is one of the API's, which has no session."""
    return request.path.startswith(SESSIONLESS_PREFIX)


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The signed-cookie session, or none at all for the API."""
        if _sessionless(request):
            return self.make_null_session(app)
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()  # nothing to read, so no signer to build
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure if configured, or if this request is HTTPS (ProxyFix sets that behind a proxy)."""
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


class RedisSession(SecureCookieSession):
    """A session kept in Redis under a random id; clearing it also gives it a new id."""

    def __init__(self, initial: dict[str, Any] | None = None, sid: str = "") -> None:
        """Remember the id this session was stored under (empty: none yet)."""
        super().__init__(initial)
        self.sid = sid
        self.retired_sid = ""

    def clear(self) -> None:
        """Empty the session; the old id is deleted at save, so no copy of it lives on."""
        super().clear()
        if self.sid:
            self.retired_sid = self.retired_sid or self.sid
            self.sid = ""


class RedisSessionInterface(HttpsAwareSessionInterface):
    """Sessions stored server-side in Redis; the cookie carries only a signed random id.

    While Redis is unreachable, sessions fall back to signed cookies (as with one process), so
    the patient's form and the sign-in keep working; they move back into Redis once it returns.
    """

    def __init__(self, client: redis.Redis, lifetime_seconds: int) -> None:
        """Keep sessions in this Redis for this long after their last use."""
        self.client = client
        self.lifetime_seconds = lifetime_seconds
        self.fallback = HttpsAwareSessionInterface()

    def _signer(self, app: Flask) -> Signer:
        """Signs the session id in the cookie, so an id cannot be guessed or forged."""
        return Signer(str(app.secret_key), salt="nurse-session-id")

    def _sid(self, app: Flask, cookie: str) -> str:
        """The session id a cookie names, or empty if it is not a valid id cookie."""
        try:
            return self._signer(app).unsign(cookie).decode() if cookie else ""
        except BadSignature:
            return ""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The stored session named by the cookie, or a new one (a cookie one if Redis is down)."""
        if _sessionless(request):
            return self.make_null_session(app)
        cookie = request.cookies.get(self.get_cookie_name(app), "")
        sid = self._sid(app, cookie)
        if not sid:
            # A session kept in a cookie during an outage moves into Redis at its next save.
            kept = self.fallback.open_session(app, request)
            session = RedisSession(dict(kept) if kept else None)
            session.modified = bool(session)
            return session
        try:
            stored = self.client.get(REDIS_PREFIX + sid)
        except redis.RedisError:
            log.error("the session store is unavailable: sessions are kept in cookies for now")
            return SecureCookieSession()
        if stored is None:
            return RedisSession()
        try:
            # Bytes, unless the client decodes; bytes not UTF-8 are a ValueError too.
            text = stored.decode() if isinstance(stored, bytes) else stored
            return RedisSession(self.serializer.loads(text), sid=sid)
        except ValueError:
            return RedisSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        """Store the session (or delete it when empty) and send its id when it is new."""
        if not isinstance(session, RedisSession):
            self.fallback.save_session(app, session, response)
            return
        if session.accessed:
            response.vary.add("Cookie")
        try:
            self._store(session)
        except redis.RedisError:
            log.error("the session store is unavailable: sessions are kept in cookies for now")
            kept = SecureCookieSession(dict(session))
            kept.modified = session.modified or bool(session.sid)
            self.fallback.save_session(app, kept, response)
            return
        name, domain, path = (self.get_cookie_name(app), self.get_cookie_domain(app),
                              self.get_cookie_path(app))
        secure, samesite = self.get_cookie_secure(app), self.get_cookie_samesite(app)
        httponly = self.get_cookie_httponly(app)
        if not session:
            if session.modified:
                response.delete_cookie(name, domain=domain, path=path, secure=secure,
                                       httponly=httponly, samesite=samesite)
            return
        if session.new:
            response.set_cookie(
                name, self._signer(app).sign(session.sid).decode(),
                expires=self.get_expiration_time(app, session), httponly=httponly,
                domain=domain, path=path, secure=secure, samesite=samesite,
            )

    def _store(self, session: RedisSession) -> None:
        """Write the session to Redis (a new one gets its id), or delete it when empty."""
        if session.retired_sid:
            self.client.delete(REDIS_PREFIX + session.retired_sid)
        if not session:
            if session.sid:
                self.client.delete(REDIS_PREFIX + session.sid)
            return
        session.new = not session.sid
        if session.new:
            session.sid = secrets.token_urlsafe(32)
        key = REDIS_PREFIX + session.sid
        if session.new or session.modified:
            self.client.set(key, self.serializer.dumps(dict(session)), ex=self.lifetime_seconds)
        else:
            self.client.expire(key, self.lifetime_seconds)


def session_interface(app: Flask) -> SecureCookieSessionInterface:
    """Redis sessions when REDIS_URL is set, else signed cookies for one process.

    It also sets up the record of current session versions, in the same place.
    """
    url = app.config.get("REDIS_URL")
    if not url:
        app.extensions[KNOWN_VERSIONS] = KnownVersions(None)
        return HttpsAwareSessionInterface()
    # A form token lasts an hour, so a session lasts at least that long after its last use.
    lifetime = max(60 * int(app.config["NURSE_IDLE_MINUTES"]),
                   int(app.config.get("WTF_CSRF_TIME_LIMIT") or 3600))
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    app.extensions[KNOWN_VERSIONS] = KnownVersions(client)
    return RedisSessionInterface(client, lifetime)

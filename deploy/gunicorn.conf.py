"""gunicorn settings for Recovery Check: workers from the environment, logs without bodies.

Run it as: gunicorn -c deploy/gunicorn.conf.py 'checker:create_app()'
Environment: GUNICORN_BIND (default 127.0.0.1:8000), WEB_CONCURRENCY (workers, default 2),
GUNICORN_TIMEOUT (seconds, default 30, at least 12).
"""

import os


def _whole_number(name: str, default: int) -> int:
    """A whole number of 1 or more from the environment, or a message naming the variable."""
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name} must be a whole number of 1 or more, not {raw!r}.")
    return int(raw)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _whole_number("WEB_CONCURRENCY", 2)
timeout = _whole_number("GUNICORN_TIMEOUT", 30)
graceful_timeout = 10
if timeout < 12:
    raise SystemExit(f"GUNICORN_TIMEOUT must be at least 12 seconds, not {timeout}: a stalled "
                     "database is given up on within a third of it (see below).")

# Timeouts in layers: a statement waits for a lock at most a sixth of the worker's time and
# runs at most a third, so a stalled database is answered with the app's own 503 page (with
# the emergency line) long before gunicorn kills the worker and nginx answers for it. The
# variables are set for the app only when the deployment has not chosen its own; command-line
# jobs (migrations, the purge) run without them.
os.environ.setdefault("DATABASE_LOCK_TIMEOUT", str(timeout // 6))
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", str(timeout // 3))

# The app alone decides whether to believe X-Forwarded-* (TRUSTED_PROXIES, through ProxyFix).
# gunicorn would otherwise take X-Forwarded-Proto from any local client as the scheme.
forwarded_allow_ips = ""
secure_scheme_headers: dict[str, str] = {}

# Both logs go to stderr. An access line holds the address, time, request line (path and
# query string: no patient data is ever put in a URL, and a follow-up link's token is
# replaced by [link]), status, size and duration; never a request body, a cookie, a Referer
# or any other header.
logger_class = "checker.access_log.AccessLogger"
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms'

# No control socket in the home folder: two instances on one host would fight over it, and
# nothing here uses it.
control_socket_disable = True

"""Recovery Check: the patient's self-check, the JSON API and the nurse's triage console."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from flask_babel import gettext
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
    from checker import settings
    from checker.json_provider import FastJSONProvider
    from checker.validators import ComposedRequest

    app = Flask(__name__, instance_relative_config=True)
    app.request_class = ComposedRequest  # every typed text in Unicode's composed form (NFC)
    app.json = FastJSONProvider(app)
    app.config.from_mapping(settings.defaults())
    if test_config is None:
        app.config.from_mapping(settings.from_environment())
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "recovery-check.db")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    settings.check(app.config)
    from checker import audit
    from checker.followup import retention

    audit.check_settings(app.config)  # the records' seal key
    retention.check_settings(app.config)  # never shorter than the longest follow-up

    from checker import database, errors, i18n, limits, security
    from checker.extensions import csrf, db, limiter, migrate

    database.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    limits.init_app(app)
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies > 0:
        # Only then are X-Forwarded-* believed; without a proxy a client could forge them.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    from checker import api, followup, nurse, public

    app.register_blueprint(public.bp)
    app.register_blueprint(api.bp)
    nurse.init_app(app)
    followup.init_app(app)
    api.skip_unused_hooks(app, api.bp.name)  # last: every extension's hooks are registered

    @app.context_processor
    def contacts() -> dict[str, Any]:
        """The numbers every page shows: emergency, clinic and after-hours."""
        config = app.config
        return {
            "clinic_name": (settings.clinic_name(config, i18n.language())
                            or gettext("your doctor's office")),
            "clinic_phone": config["CLINIC_PHONE"],
            "after_hours_phone": config["AFTER_HOURS_PHONE"],
            "emergency_number": config["EMERGENCY_NUMBER"],
            "tel": settings.tel,
        }

    return app

"""Recovery Check: the Flask application (placeholder until the factory lands)."""

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Create the application."""
    app = Flask(__name__, instance_relative_config=True)
    if test_config:
        app.config.from_mapping(test_config)
    return app

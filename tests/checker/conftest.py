"""Fixtures for the app's tests: an app on an in-memory database and its test client."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.checker.samples import make_app


@pytest.fixture
def app() -> Flask:
    """An app on an in-memory database, with CSRF off for the plain form tests."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()

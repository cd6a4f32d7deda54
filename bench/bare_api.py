"""The baseline for the API benchmark: a bare Flask route returning the same assessment JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask, jsonify

from rules import assess

BODY = Path(__file__).with_name("api_answers.json")
ANSWERS = json.loads(BODY.read_text())
# Computed once: the baseline pays for Flask, routing and JSON encoding, not for the engine.
ASSESSMENT = assess(ANSWERS)

app = Flask(__name__)


@app.post("/api/v1/assessments")
def create_assessment() -> tuple[Any, int]:
    """The same answer as the real route, without reading the body or assessing it."""
    return jsonify(ASSESSMENT), 200

"""Over a thousand generated requests to the live API find no server error and no schema breach."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.faults.stack import VENV_BIN, Stack

pytestmark = pytest.mark.faults

SCHEMATHESIS = VENV_BIN / "st"
MIN_CASES = 1000
FUZZ_SECONDS = 240
# Every answer must be a documented status with the documented type, headers and body.
CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance",
])


def test_generated_requests_get_no_server_error_and_answers_that_match_the_schema(
    stack: Stack, tmp_path: Path, report: Any
) -> None:
    base = stack.instances[0][1]
    run_report = tmp_path / "schemathesis.json"
    done = subprocess.run(
        [str(SCHEMATHESIS), "run", f"{base}/api/v1/openapi.json", "--checks", CHECKS,
         "--max-examples", str(MIN_CASES), "--workers", "2", "--request-timeout", "10",
         "--generation-database", "none", "--no-color", "--report", "json",
         "--report-json-path", str(run_report)],
        capture_output=True, text=True, timeout=FUZZ_SECONDS, cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"}, stdin=subprocess.DEVNULL,
    )
    assert run_report.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(run_report.read_text())
    cases = result["test_cases"]
    report("schemathesis", {
        "cases": cases["generated"], "failures": cases["with_failures"],
        "errored": cases["errored"], "seconds": round(result["running_time"], 1),
        "seed": result["seed"],
    })

    assert done.returncode == 0, done.stdout[-6000:]
    assert result["complete"] and result["operations"]["tested"] >= 1
    assert result["failures"] == [] and result["errors"] == []
    assert cases["with_failures"] == 0 and cases["errored"] == 0
    assert cases["generated"] >= MIN_CASES

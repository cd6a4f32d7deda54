"""The same policy as a GoRules JDM decision graph, evaluated by zen-engine.

Like `bench/handwritten.py`, it writes out protocol 1.2.0 (`handwritten.VERSION`), and its
tests hold it to the engine running that release."""

from __future__ import annotations

import json
from typing import Any

import zen

# Columns of the disposition table: the answers the rules read, in asking order.
_RULE_INPUTS = (
    "chest_symptoms",
    "leg_weakness",
    "bladder_bowel",
    "fainted",
    "bleeding",
    "numbness_tingling",
    "temperature",
    "drainage",
    "headache",
    "pain_score",
    "pain_relieved",
    "activity",
    "pain_trend",
    "swelling",
    "redness",
    "feels_feverish",
    "new_back_pain",
    "days_since_procedure",
)
# Rows with hit policy FIRST, most urgent first: zen's stand-in for DMN's PRIORITY.
# Each row: (rule id, disposition, {column: unary test}); an empty test means "any".
_FEVER = "$ != null and $ >= 38.0"  # temperature is °C, or null when not measured
_DISPOSITION_ROWS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("E1", "emergency", {"chest_symptoms": "true"}),
    ("E2", "emergency", {"leg_weakness": "true"}),
    ("E3", "emergency", {"bladder_bowel": "true"}),
    ("E4", "emergency", {"fainted": "true"}),
    ("E5", "emergency", {"bleeding": '"uncontrolled"'}),
    ("N1", "call_doctor_now", {"numbness_tingling": "true"}),
    ("N2", "call_doctor_now", {"temperature": _FEVER}),
    ("N3", "call_doctor_now", {"drainage": "true"}),
    ("N4", "call_doctor_now", {"bleeding": '"soaking"'}),
    ("N5", "call_doctor_now", {"headache": '"severe"'}),
    ("N6", "call_doctor_now", {"pain_score": ">= 8", "pain_relieved": "false"}),
    ("N7", "call_doctor_now", {"activity": '"unable"'}),
    ("T1", "call_doctor_today", {"pain_trend": '"worse"'}),
    ("T2", "call_doctor_today", {"swelling": '"increasing"'}),
    ("T3", "call_doctor_today", {"redness": '"spreading"'}),
    ("T4", "call_doctor_today", {"feels_feverish": "true"}),
    ("T5", "call_doctor_today", {"headache": '"mild"'}),
    ("T6", "call_doctor_today", {"new_back_pain": "true"}),
    (
        "T7",
        "call_doctor_today",
        {"days_since_procedure": ">= 3", "pain_score": ">= 5", "pain_trend": '!= "better"'},
    ),
    ("default", "self_care", {}),
)

_ADVICE_INPUTS = (
    "disposition",
    "days_since_procedure",
    "activity",
    "pain_score",
    "swelling",
    "blood_thinner",
    "bleeding",
    "osteoporosis",
    "feels_feverish",
    "temperature",
)
_CALMER = '!= "emergency"'  # in an emergency only call_911 is shown
# Rows with hit policy COLLECT, in the order advice is shown: (advice id, {column: test}).
_ADVICE_ROWS: tuple[tuple[str, dict[str, str]], ...] = (
    ("call_911", {"disposition": '"emergency"'}),
    ("rest_today", {"disposition": _CALMER, "days_since_procedure": "0"}),
    ("gradual_activity", {"disposition": _CALMER, "days_since_procedure": ">= 1"}),
    (
        "move_around",
        {"disposition": _CALMER, "activity": '"resting"', "days_since_procedure": ">= 1"},
    ),
    # Complete answer sets only, so always decided: "decided = yes" needs no column.
    ("soreness_normal", {"disposition": '"self_care"', "pain_score": "$ >= 1 and $ <= 4"}),
    # One row for "pain or swelling", so the id is collected once when both hold.
    ("ice", {"disposition": _CALMER, "pain_score": '$ >= 1 or swelling != "none"'}),
    ("nsaid", {"disposition": _CALMER, "pain_score": ">= 1", "blood_thinner": "false"}),
    ("nsaid_caution", {"disposition": _CALMER, "pain_score": ">= 1", "blood_thinner": "true"}),
    ("bandage", {"disposition": _CALMER}),
    ("pressure", {"disposition": _CALMER, "bleeding": '"spotting"'}),
    ("avoid_lifting", {"disposition": _CALMER, "activity": '"strenuous"'}),
    ("bone_health", {"disposition": _CALMER, "osteoporosis": "true"}),
    (
        "take_temperature",
        {"disposition": _CALMER, "feels_feverish": "true", "temperature": "null"},
    ),
)


def _table(
    node_id: str,
    name: str,
    hit_policy: str,
    inputs: tuple[str, ...],
    outputs: tuple[str, ...],
    rows: list[tuple[dict[str, str], tuple[str, ...]]],
    output_path: str | None = None,
) -> dict[str, Any]:
    """A decisionTableNode whose columns read the named fields and write the named outputs."""
    content: dict[str, Any] = {
        "hitPolicy": hit_policy,
        "passThrough": True,
        "inputs": [{"id": f"in_{f}", "name": f, "field": f} for f in inputs],
        "outputs": [{"id": f"out_{f}", "name": f, "field": f} for f in outputs],
        "rules": [
            {
                "_id": f"{node_id}_{n}",
                **{f"in_{f}": tests.get(f, "") for f in inputs},
                **{f"out_{f}": json.dumps(v) for f, v in zip(outputs, values, strict=True)},
            }
            for n, (tests, values) in enumerate(rows)
        ],
    }
    if output_path:
        content["outputPath"] = output_path
    return {
        "id": node_id,
        "type": "decisionTableNode",
        "name": name,
        "position": {"x": 0, "y": 0},
        "content": content,
    }


def graph() -> dict[str, Any]:
    """The JDM graph: answers -> disposition (FIRST) -> advice (COLLECT) -> result."""
    disposition = _table(
        "disposition",
        "Disposition",
        "first",
        _RULE_INPUTS,
        ("disposition", "rule"),
        [(tests, (disp, rule)) for rule, disp, tests in _DISPOSITION_ROWS],
    )
    advice = _table(
        "advice",
        "Advice",
        "collect",
        _ADVICE_INPUTS,
        ("id",),
        [(tests, (advice_id,)) for advice_id, tests in _ADVICE_ROWS],
        output_path="advice",
    )
    position = {"x": 0, "y": 0}
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "answers", "type": "inputNode", "name": "Answers", "position": position},
            disposition,
            advice,
            {"id": "result", "type": "outputNode", "name": "Result", "position": position},
        ],
        "edges": [
            {"id": f"e{n}", "type": "edge", "sourceId": a, "targetId": b}
            for n, (a, b) in enumerate(
                [("answers", "disposition"), ("disposition", "advice"), ("advice", "result")]
            )
        ],
    }


KEY = "recovery-check.json"


def engine() -> zen.ZenEngine:
    """A zen engine whose loader serves the graph under KEY; it caches the loaded decision."""
    return zen.ZenEngine({"loader": {"type": "static", "content": {KEY: graph()}}})


def decision() -> zen.ZenDecision:
    """The graph as a standalone decision handle (create_decision), ready to evaluate."""
    return zen.ZenEngine().create_decision(json.dumps(graph()))


def outcome(result: dict[str, Any]) -> tuple[str, list[str]]:
    """The disposition and advice ids of a zen evaluation."""
    values = result["result"]
    return values["disposition"], [row["id"] for row in values["advice"]]

"""A generated protocol of any size, for proving at scale: a chain of rules links a group.

`synthetic(questions=100, rules=95, linked=16)` makes yes/no, three-level choice and 0-10
questions; the first `linked` questions are joined into one group by a chain of two-question
rules (q00 with q01, q01 with q02, ...), and the rest get one-question rules. No rule is dead,
and every property holds, so a prover must show all six.
"""

from __future__ import annotations

from rules import Protocol, parse_protocol

DISPOSITIONS = ("emergency", "call_doctor_now", "call_doctor_today")
HEAD = """[protocol]
id = "synthetic"
version = "0.0.{size}"
title = "Synthetic protocol"

[sources.D]
title = "Generated for proofs at scale"

[[disposition]]
id = "emergency"
headline = "Call {{emergency_number}} now."
only_advice = ["bandage"]
call_back = false
call_back_action = "Call {{emergency_number}} now if"

[[disposition]]
id = "call_doctor_now"
headline = "Call your doctor now."
call_back_action = "Call your doctor now if"

[[disposition]]
id = "call_doctor_today"
headline = "Call your doctor today."
call_back_action = "Call your doctor today if"

[[disposition]]
id = "self_care"
headline = "Care for yourself at home."

[[group]]
id = "all"
title = "Questions"
"""
ADVICE = """
[[advice]]
id = "bandage"
when = "always"
text = "Keep the bandage clean."
source = "D"

[call_back]
source = "D"
from_rules = true
"""


def _question(index: int) -> tuple[str, str]:
    """One question's table, and the comparison its rules use: the most severe answer."""
    qid = f"q{index:02d}"
    kind = index % 3
    if kind == 0:
        return (
            f'[[question]]\nid = "{qid}"\ngroup = "all"\ntype = "yes_no"\n'
            f'text = "Question {index}?"\n',
            f"{qid} = yes",
        )
    if kind == 1:
        return (
            f'[[question]]\nid = "{qid}"\ngroup = "all"\ntype = "choice"\n'
            f'text = "Question {index}?"\nchoices = [\n  {{ id = "none", text = "No" }},\n'
            f'  {{ id = "mild", text = "A little" }},\n  {{ id = "severe", text = "A lot" }},\n]\n',
            f"{qid} = severe",
        )
    return (
        f'[[question]]\nid = "{qid}"\ngroup = "all"\ntype = "integer"\n'
        f'text = "Question {index}?"\nmin = 0\nmax = 10\n',
        f"{qid} >= {4 + index % 5}",
    )


def synthetic_text(questions: int = 100, rules: int = 95, linked: int = 16) -> str:
    """The protocol file's text."""
    parts = [HEAD.format(size=questions)]
    tests = []
    for index in range(questions):
        table, test = _question(index)
        parts.append(table)
        tests.append(test)
    conditions = [f"{tests[i]} and {tests[i + 1]}" for i in range(linked - 1)]
    conditions += tests[linked:]
    if len(conditions) < rules:
        raise ValueError("not enough questions for that many rules")
    for number, when in enumerate(conditions[:rules]):
        disposition = DISPOSITIONS[number % 3]
        parts.append(
            f'[[rule]]\nid = "R{number + 1}"\ndisposition = "{disposition}"\nwhen = "{when}"\n'
            f'sign = "sign of R{number + 1}"\nexplain = "Reason R{number + 1}."\nsource = "D"\n'
        )
    parts.append(ADVICE)
    return "\n".join(parts)


def synthetic(questions: int = 100, rules: int = 95, linked: int = 16) -> Protocol:
    """The generated protocol, loaded and validated like any other."""
    return parse_protocol(synthetic_text(questions, rules, linked).encode(), "synthetic.toml")

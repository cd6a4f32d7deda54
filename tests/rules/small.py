"""A small protocol of the tests' own, with one flaw put in where a test needs it.

Four questions (fainting, bleeding, temperature, pain 0-10), four rules (E1, E2, N1 the fever,
T1 the pain), one advice item that names the fever threshold, a Spanish text for the fever
rule, and a call-back list built from the rules unless free-text sentences are given.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rules import Protocol, parse_protocol

HEAD = """[protocol]
id = "small"
version = "0.1.0"
title = "Small protocol"
translated = ["es"]

[sources.D]
title = "Written for the tests"

[[disposition]]
id = "emergency"
headline = "Call {{emergency_number}} now."
call_back = false
call_back_action = "Call {{emergency_number}} now if"

[[disposition]]
id = "call_doctor_now"
headline = "Call your doctor now."
call_back_action = "Call your doctor now if"

[[disposition]]
id = "call_doctor_today"
headline = "Call your doctor's office today."
call_back_action = "Call your doctor's office today if"

[[disposition]]
id = "self_care"
headline = "Care for yourself at home."

[[group]]
id = "all"
title = "Questions"
hint = "{hint}"

[[question]]
id = "fainted"
group = "all"
type = "yes_no"
text = "Have you fainted?"

[[question]]
id = "bleeding"
group = "all"
type = "choice"
text = "Is it bleeding?"
choices = [
  {{ id = "none", text = "No" }},
  {{ id = "uncontrolled", text = "It does not stop after 10 minutes of firm pressure" }},
]

[[question]]
id = "temperature"
group = "all"
type = "temperature"
text = "What is your temperature?"
min_celsius = {minimum}
max_celsius = 43.0

[[question]]
id = "pain"
group = "all"
type = "integer"
text = "How bad is your pain?"
min = 0
max = 10

[[rule]]
id = "E1"
disposition = "emergency"
when = "fainted = yes"
sign = "you faint"
explain = "Fainting needs help now."
source = "D"

[[rule]]
id = "E2"
disposition = "emergency"
when = "bleeding = uncontrolled"
sign = "bleeding does not stop after 10 minutes of firm pressure"
explain = "{bleeding_explain}"
source = "D"

[[rule]]
id = "N1"
disposition = "call_doctor_now"
when = "temperature >= {fever}"
sign = "{fever_sign}"
explain = "A fever of {{temperature}} or higher can mean an infection."
source = "D"
[rule.es]
sign = "{fever_sign_es}"
explain = "Una fiebre de {{temperature}} o más puede ser una infección."

[[rule]]
id = "T1"
disposition = "call_doctor_today"
when = "{pain_when}"
sign = "your pain is {{pain}} or more"
explain = "{pain_explain}"
source = "D"

[[advice]]
id = "take_temperature"
when = "temperature is not measured"
text = "Take your temperature. If it is {{N1.temperature}} or higher, call your doctor now."
note = "take temperature, call if {{N1.temperature}} or more"
source = "D"
[advice.es]
text = "Tómese la temperatura. Si es de {{N1.temperature}} o más, llame a su médico ahora."

[call_back]
source = "D"
"""

DEFAULTS = {
    "hint": "Answer every question.",
    "minimum": "34.0",
    "fever": "38.0",
    "fever_sign": "you have a fever of {temperature} or higher",
    "fever_sign_es": "tiene fiebre de {temperature} o más",
    "bleeding_explain": "Bleeding that does not stop after 10 minutes needs care now.",
    "pain_when": "pain >= 5",
    "pain_explain": "Pain of {pain} or more out of 10 should be checked.",
}


def small_text(sentences: list[str] | None = None, **changes: str) -> str:
    """The file's text: the defaults with some changed, and free call-back text if given."""
    text = HEAD.format(**{**DEFAULTS, **changes})
    if sentences is None:
        return text + "from_rules = true\n"
    items = "".join(f"  {json.dumps(sentence)},\n" for sentence in sentences)
    return text + f"items = [\n{items}]\n"


def small(sentences: list[str] | None = None, **changes: str) -> Protocol:
    """The small protocol, loaded and validated like any other."""
    return parse_protocol(small_text(sentences, **changes).encode(), "small.toml")


def write_reading(
    folder: Path, protocol_text: str, sentences: list[tuple[str, str, list[str]]]
) -> None:
    """A reading of a free-text call-back list: each sentence's action and the rules it names."""
    digest = hashlib.sha256(protocol_text.encode()).hexdigest()
    lines = [f'protocol_sha256 = "{digest}"', ""]
    for text, action, signs in sentences:
        named = ", ".join(f'"{rule}"' for rule in signs)
        lines += ["[[sentence]]", f"text = {json.dumps(text)}", f'action = "{action}"']
        lines += [f"signs = [{named}]", ""]
    (folder / "0.1.0.toml").write_text("\n".join(lines), encoding="utf-8")

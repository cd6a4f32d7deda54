"""The nurse's console and the follow-up never import each other both ways.

What both need (the clock, the record types, the audit log, the idle sign-out, shared form
fields and the protocol's wording) lives at the app's level. The console may use the follow-up
(to start a call from a check-in); the follow-up never reaches into the console.
"""

from __future__ import annotations

import ast
from pathlib import Path

CHECKER = Path(__file__).resolve().parents[2] / "checker"
NURSE, FOLLOWUP = "checker.nurse", "checker.followup"


def imported(source: str) -> set[str]:
    """Every module a Python source imports, anywhere in it (a function's own imports too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from checker import nurse` names the package through its parent.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def reaches(package: str, modules: set[str]) -> list[str]:
    """The imported modules that are the package or inside it."""
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def imports_between(source: str, target: str) -> dict[str, list[str]]:
    """Each file of one package (checker/<source>/) with what it imports of the target."""
    found = {}
    for path in sorted((CHECKER / source).glob("*.py")):
        hits = reaches(target, imported(path.read_text(encoding="utf-8")))
        if hits:
            found[path.name] = hits
    return found


def test_the_import_reader_sees_every_form_of_import() -> None:
    source = ("import checker.nurse.models\nfrom checker.nurse import audit\n"
              "def f():\n    from checker.nurse.note import build_note\n"
              "from checker import nurse\n")
    assert {"checker.nurse", "checker.nurse.audit", "checker.nurse.models",
            "checker.nurse.note"} <= set(reaches(NURSE, imported(source)))
    assert reaches(FOLLOWUP, imported(source)) == []
    assert reaches(NURSE, imported("import checker.nursery\n")) == []


def test_the_nurse_console_and_the_follow_up_import_each_other_one_way_at_most() -> None:
    nurse_to_followup = imports_between("nurse", FOLLOWUP)
    followup_to_nurse = imports_between("followup", NURSE)
    assert not (nurse_to_followup and followup_to_nurse), (
        "checker/nurse and checker/followup import each other both ways; move what both need "
        f"to the app's level. nurse -> followup: {nurse_to_followup}; "
        f"followup -> nurse: {followup_to_nurse}")


def test_the_follow_up_never_reaches_into_the_console() -> None:
    assert imports_between("followup", NURSE) == {}

"""The app names no protocol id: every question, choice, group, rule, advice and disposition it
treats in its own way is found through what the protocol file says of it (a field such as
`context`, `charted`, `alerts`, a disposition's rank, the red flags derived from the rules).

So a protocol change is one file. A quoted word in checker/ that is also a protocol id fails
here, unless it is listed below with the sense it is used in, which is not an id's.
"""

from __future__ import annotations

import re
from pathlib import Path

from rules import released
from rules.model import QUESTION_TYPES
from rules.parts import CALLS, TONES

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "checker"
QUOTED = re.compile(r"""(['"])([A-Za-z0-9_\-]+)\1""")
# A template may compare a disposition's look (`tone`, `calls`, or the icon macro's `kind`,
# which is a tone) with a word of that field's vocabulary: the word is a value, not an id.
VOCABULARY = frozenset(TONES) | frozenset(CALLS)
LOOK_COMPARED = re.compile(r"""(\.tone|\.calls|\bkind)\s*[!=]=\s*(['"])([a-z_]+)\2""")
# Words that are also a choice id ("none") but mean something else there: file, the line's
# telling fragment ("" for every line of the file), and the sense.
OTHER_SENSES = {
    ("security.py", "'none'"): "a Content-Security-Policy source",
    ("settings.py", "TLS_MODES"): "a mail server's TLS mode",
    ("followup/checkin.py", "STORED_FROM"): "a Sec-Fetch-Site header value",
    ("followup/patient.py", "LINK_KEY"): "a cache key's part for a request with no link",
    ("followup/chart.py", 'fill="none"'): "an SVG fill",
    ("nurse/console.py", "shown_class"): "a CSS class for no answers yet",
    ("nurse/note.py", "or 'none'"): "the note's own word for an empty part",
    ("templates/nurse/reports.html", "<svg"): "an SVG fill",
    ("nurse/back_channel.py", 'name != "none"'): "a JSON Web Token's unsigned algorithm",
    ("nurse/passkeys.py", 'attestation "none"'): "a WebAuthn attestation format",
}
# A question type's name ("temperature") is also a question's id: a type or a display kind.
TYPES = frozenset(QUESTION_TYPES)
# An id the app still treats in its own way, named here so it stays visible until the protocol
# has a field for it: the note reads a choice "none" as a denial ("denies bleeding").
KNOWN = {("nurse/note.py", 'value == "none"')}


def protocol_ids() -> dict[str, set[str]]:
    """Every id of every released protocol, with the kinds of item that carry it."""
    ids: dict[str, set[str]] = {}
    for protocol in released():
        items = [("question", q.id) for q in protocol.questions]
        items += [("choice", c.id) for q in protocol.questions for c in q.choices]
        items += [("group", g.id) for g in protocol.groups]
        items += [("disposition", d.id) for d in protocol.dispositions]
        items += [("rule", r.id) for r in protocol.rules]
        items += [("advice", a.id) for a in protocol.advice]
        for kind, item_id in items:
            ids.setdefault(item_id, set()).add(kind)
    return ids


def app_files() -> list[Path]:
    """The app's Python files and its templates."""
    return sorted([*CHECKER.rglob("*.py"), *(p for p in (CHECKER / "templates").rglob("*")
                                              if p.is_file())])


def named_ids(text: str, where: str, ids: dict[str, set[str]]) -> list[str]:
    """Each quoted protocol id in one file of checker/ (`where`) that no listed sense accounts
    for, with its line."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        looks = {m.group(3) for m in LOOK_COMPARED.finditer(line)} & VOCABULARY
        for match in QUOTED.finditer(line):
            word = match.group(2)
            if word not in ids or word in looks:
                continue
            if any(where == file and fragment in line for file, fragment in KNOWN):
                continue
            if ids[word] == {"choice"} and any(
                    where == file and fragment in line for file, fragment in OTHER_SENSES):
                continue
            if word in TYPES:
                continue
            found.append(f"{where}:{number}: {word} ({', '.join(sorted(ids[word]))}): "
                         f"{line.strip()}")
    return found


def test_every_kind_of_id_is_collected() -> None:
    ids = protocol_ids()
    assert {"question", "choice", "group", "disposition", "rule", "advice"} == set().union(
        *ids.values())
    assert len(ids) > 50


def test_a_quoted_id_is_found() -> None:
    ids = protocol_ids()
    question = released()[-1].questions[0].id
    disposition = released()[-1].dispositions[1].id
    text = (f"{{% if answers['{question}'] %}}x{{% endif %}}\n"
            f"ALERT = \"{disposition}\"\n{{{{ d.tone == 'urgent' }}}} {{{{ 'none' }}}}\n")
    found = named_ids(text, "templates/probe.html", ids)
    assert [line.split(": ")[1].split()[0] for line in found] == [question, disposition, "none"]


def test_the_app_names_no_protocol_id() -> None:
    ids = protocol_ids()
    found = [line for path in app_files()
             for line in named_ids(path.read_text(encoding="utf-8"),
                                   path.relative_to(CHECKER).as_posix(), ids)]
    assert found == [], "protocol ids named in checker/:\n" + "\n".join(found)

"""The command line: assess answers, verify the protocol, print the review sheet."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, TextIO

from rules import diff_report, prove, stated, table, translations
from rules.diff import diff
from rules.engine import DEFAULT_EMERGENCY_NUMBER, assess
from rules.errors import AnswerError, ProtocolError
from rules.findings import Finding
from rules.jsonio import loads_strict
from rules.loader import find_release, load_protocol
from rules.model import Protocol
from rules.verify import PROPERTIES, Verifier, load_failure

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _dump(value: Any) -> str:
    """One line of JSON, keeping non-ASCII text readable."""
    return json.dumps(value, ensure_ascii=False)


def _assess_text(text: str, protocol: Protocol, number: str) -> tuple[dict[str, Any], bool]:
    """The assessment, or the errors, for one JSON text; the flag says whether it was valid."""
    try:
        answers = loads_strict(text)
    except ValueError as exc:
        return {"errors": {"answers": str(exc)}}, False
    try:
        return assess(answers, protocol, emergency_number=number), True
    except AnswerError as exc:
        return {"errors": exc.errors}, False


def cmd_assess(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    """Read answer sets on stdin, print assessments on stdout."""
    protocol = load_protocol(args.protocol)
    if not args.jsonl:
        result, valid = _assess_text(stdin.read(), protocol, args.emergency_number)
        stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK if valid else EXIT_INVALID
    all_valid = True
    for line in stdin:
        if not line.strip():
            result, valid = {"errors": {"answers": "the line is empty"}}, False
        else:
            result, valid = _assess_text(line, protocol, args.emergency_number)
        all_valid &= valid
        stdout.write(_dump(result) + "\n")
    return EXIT_OK if all_valid else EXIT_INVALID


def _report(findings: list[Finding], covered: int, seconds: float, out: TextIO) -> int:
    """Print what was checked; on a failure, the smallest counterexample as JSON."""
    for finding in findings:
        mark = "ok  " if finding.holds else "FAIL"
        label = f"{finding.number}. {finding.name}" if finding.number else finding.name
        out.write(f"{mark} {label}: {finding.cases:,} cases checked\n")
        if not finding.holds:
            out.write(f"     {finding.failure}\n")
            out.write("     smallest counterexample:\n")
            out.write(_dump(finding.counterexample) + "\n")
            if finding.more_severe is not None:
                out.write("     the same answers, one made more severe:\n")
                out.write(_dump(finding.more_severe) + "\n")
    failed = [f for f in findings if not f.holds]
    if failed:
        out.write(f"FAILED: {len(failed)} of the safety properties do not hold.\n")
        return EXIT_FAILED
    out.write(
        f"All {len(PROPERTIES)} safety properties hold for every valid answer set "
        f"({covered:,} answer-set classes) in {seconds:.2f} s.\n"
    )
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    """Prove the safety properties of a protocol file."""
    started = time.perf_counter()
    try:
        protocol = load_protocol(args.protocol)
    except ProtocolError as exc:
        return _report(load_failure(exc), 0, 0.0, stdout)
    stdout.write(
        f"Protocol {protocol.id} {protocol.version} ({protocol.file}, "
        f"sha256 {protocol.sha256[:12]}): {len(protocol.questions)} questions, "
        f"{len(protocol.rules)} rules, {len(protocol.advice)} advice items.\n"
    )
    method = args.method
    if method == "auto":
        small = prove.exhaustive_cost(protocol) <= prove.EXHAUSTIVE_LIMIT
        method = "exhaustive" if small or not prove.applies(protocol) else "monotone"
    if method == "monotone":
        unclosed = prove.not_upward_closed(protocol)
        if unclosed:
            rule, atom = unclosed[0]
            stdout.write(
                f"The monotone proof does not apply: in rule {rule}, `{atom}` fails for a worse "
                "answer that no rule as urgent covers. Use --method exhaustive.\n"
            )
            return EXIT_FAILED
        stdout.write("Method: the rules' monotone structure (no enumeration).\n")
        findings, covered = prove.prove(protocol), prove.answer_classes(protocol)
    else:
        verifier = Verifier(protocol)
        parts = ", ".join("+".join(p.names) for p in verifier.parts)
        stdout.write(f"Method: exhaustive enumeration. Independent components: {parts}.\n")
        findings, covered = verifier.run(), verifier.covered()
    code = _report(findings, covered, time.perf_counter() - started, stdout)
    return max(code, _report_translations(protocol, stdout), _report_stated(protocol, stdout))


def _report_stated(protocol: Protocol, out: TextIO) -> int:
    """Every number the texts state, against the rules' thresholds; exit 1 on any other."""
    found = stated.check(protocol)
    languages = ", ".join((protocol.language, *protocol.translated))
    if not found.problems:
        out.write(
            f"ok   {stated.NAME}: {found.numbers} numbers in {found.texts} texts ({languages}) "
            "agree with the rules\n"
        )
        return EXIT_OK
    out.write(f"FAIL {stated.NAME}: {len(found.problems)} numbers disagree with the rules\n")
    out.writelines(f"     {problem}\n" for problem in found.problems)
    return EXIT_FAILED


def _report_translations(protocol: Protocol, out: TextIO) -> int:
    """Every text translated into each language, with its placeholders; exit 1 if not."""
    if not protocol.translated:
        return EXIT_OK
    problems = translations.check(protocol)
    languages = ", ".join(protocol.translated)
    count = len(translations.source_texts(protocol))
    if not problems:
        reviewed = ", ".join(protocol.reviewed)
        out.write(f"ok   translations: {count} texts in {languages} (reviewed: {reviewed})\n")
        return EXIT_OK
    out.write(f"FAIL translations: {len(problems)} problems in {languages}\n")
    out.writelines(f"     {problem}\n" for problem in problems)
    return EXIT_FAILED


def cmd_table(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    """Print the review sheet."""
    protocol = load_protocol(args.protocol)
    if args.lang and args.lang != protocol.language:
        if args.lang not in protocol.translated:
            sys.stderr.write(f"error: the protocol has no {args.lang!r} texts\n")
            return EXIT_FAILED
        stdout.write(table.render_translation(protocol, args.lang))
        return EXIT_OK
    stdout.write(table.render(protocol))
    return EXIT_OK


def _release_or_file(name: str) -> Protocol:
    """A released version such as 1.0.0, or a protocol file."""
    return find_release(name) or load_protocol(name)


def cmd_diff(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    """Print what changes between two versions; with --fail-on-lower, exit 1 on a lowering."""
    found = diff(_release_or_file(args.old), _release_or_file(args.new))
    stdout.write(diff_report.render(found, markdown=args.markdown))
    return EXIT_FAILED if args.fail_on_lower and found.down else EXIT_OK


def parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m rules`."""
    top = argparse.ArgumentParser(prog="python -m rules", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    commands = {
        "assess": (cmd_assess, "read answers (JSON) on stdin, print the assessment (JSON)"),
        "verify": (cmd_verify, "prove the protocol's safety properties"),
        "table": (cmd_table, "print the protocol as a Markdown review sheet"),
    }
    changes = sub.add_parser(
        "diff",
        help="what changes between two versions, over the whole answer space",
        description="Compare two protocols (a released version such as 1.0.0, or a file).",
    )
    changes.add_argument("old", metavar="OLD")
    changes.add_argument("new", metavar="NEW")
    changes.add_argument("--markdown", action="store_true", help="the clinical sign-off sheet")
    changes.add_argument(
        "--fail-on-lower", action="store_true", help="exit 1 if any answer class moves down"
    )
    changes.set_defaults(handler=cmd_diff)
    for name, (handler, text) in commands.items():
        command = sub.add_parser(name, help=text, description=text)
        command.add_argument(
            "--protocol", metavar="FILE", help="a protocol file (default: shipped)"
        )
        command.set_defaults(handler=handler)
        if name == "verify":
            command.add_argument(
                "--method",
                choices=("auto", "exhaustive", "monotone"),
                default="auto",
                help="enumerate every linked group, or prove from the rules' monotone "
                "structure (auto: enumerate unless a group is too large)",
            )
        if name == "table":
            command.add_argument(
                "--lang", help="a translated language: its texts beside the original's"
            )
        if name == "assess":
            command.add_argument("--jsonl", action="store_true", help="one answer set per line")
            command.add_argument("--emergency-number", default=DEFAULT_EMERGENCY_NUMBER)
    return top


def main(
    argv: list[str] | None = None, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> int:
    """Run one command; returns the exit code."""
    args = parser().parse_args(argv)
    try:
        code: int = args.handler(args, stdin, stdout)
        return code
    except ProtocolError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_FAILED

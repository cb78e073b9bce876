"""``python -m speclint diff OLD NEW``: what an edit breaks for clients.

Exit 0 nothing breaking (or all approved), 1 an unapproved breaking change (or warning with
``--fail-on warn``), 2 a usage error or an unparseable document.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from speclint.diff.catalogue import ERROR, INFO, RULES, WARNING
from speclint.diff.compare import Change, compare
from speclint.diff.journal import Replay, load_journal, replay
from speclint.diff.source import SourceError, parse, read_text

ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m speclint diff",
        description="Classify the changes from OLD to NEW spec (oasdiff's rule ids and levels).",
    )
    parser.add_argument("old", metavar="OLD", help="a file, or git:REF:path")
    parser.add_argument("new", metavar="NEW", help="a file, or git:REF:path")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument("--fail-on", choices=("error", "warn"), default="error")
    parser.add_argument("--journal", metavar="FILE", help="mock journal (JSON) to replay on NEW")
    parser.add_argument(
        "--approvals-from",
        metavar="SPEC",
        help="also honour this spec's x-breaking-changes (history: a later commit's approval)",
    )
    parser.add_argument(
        "--level",
        choices=("error", "warning", "info"),
        default="info",
        help="least severe level to show (default: info, everything)",
    )
    return parser.parse_args(argv)


def approvals(doc: dict[str, Any]) -> list[dict[str, str]]:
    """The new spec's ``x-breaking-changes`` entries: ``{id, location, reason}``."""
    out = []
    entries = doc.get("x-breaking-changes")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and all(
            isinstance(entry.get(k), str) and entry.get(k) for k in ("id", "location", "reason")
        ):
            out.append(entry)
    return out


def apply_approvals(changes: list[Change], approved: list[dict[str, str]]) -> list[Change]:
    keys = {(a["id"], a["location"]) for a in approved}
    return [replace(c, approved=True) if (c.id, c.location) in keys else c for c in changes]


def _text(changes: list[Change]) -> str:
    lines = []
    for c in changes:
        mark = " (approved)" if c.approved else ""
        where = f"{c.operation} " if c.operation else ""
        lines.append(f"{c.level}{mark} [{c.id}] {where}{c.location}: {c.message}")
    return "\n".join(lines)


def _markdown(changes: list[Change], summary: str, replayed: Replay | None) -> str:
    out = ["### Spec change review", "", summary, ""]
    if changes:
        out += ["| level | rule | operation | location | change |", "|---|---|---|---|---|"]
        for c in changes:
            level = {ERROR: "🔴 error", WARNING: "🟠 warning", INFO: "🟢 info"}[c.level]
            if c.approved:
                level += " (approved)"
            cells = [level, f"`{c.id}`", c.operation or "—", f"`{c.location}`", c.message]
            out.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    if replayed is not None:
        out += ["", _replay_summary(replayed)]
        for op, count in sorted(replayed.by_operation.items()):
            out.append(f"- `{op}`: {count}")
    return "\n".join(out)


def _replay_summary(r: Replay) -> str:
    left = (
        f" ({r.left_out} recorded request(s) the old spec already rejects left out)"
        if r.left_out
        else ""
    )
    return (
        f"Recorded traffic: the new spec would reject {r.rejected} of the {r.total} request(s) "
        f"the old spec accepts{left}."
    )


def _summary(changes: list[Change]) -> str:
    counts = {lvl: sum(1 for c in changes if c.level == lvl) for lvl in ORDER}
    approved = sum(1 for c in changes if c.approved)
    text = f"{counts[ERROR]} breaking, {counts[WARNING]} warning(s), {counts[INFO]} info"
    return text + (
        f" ({approved} breaking change(s) approved in x-breaking-changes)" if approved else ""
    )


def run(argv: Sequence[str]) -> int:
    if list(argv) == ["--rules"]:
        print(rules_markdown(), end="")
        return 0
    try:
        args = parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    try:
        old, old_notes = parse(read_text(args.old), args.old)
        new, new_notes = parse(read_text(args.new), args.new)
        entries = load_journal(args.journal) if args.journal else None
        later = (
            parse(read_text(args.approvals_from), args.approvals_from)[0]
            if args.approvals_from
            else {}
        )
    except SourceError as exc:
        print(f"speclint diff: {exc}", file=sys.stderr)
        return 2
    for note in old_notes + new_notes:
        print(f"speclint diff: warning: {note}", file=sys.stderr)
    try:
        changes, notes = compare(old, new)
    except Exception as exc:  # never a traceback: say what happened, report nothing
        print(f"speclint diff: cannot compare: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"speclint diff: warning: {note}", file=sys.stderr)
    changes = apply_approvals(changes, approvals(new) + approvals(later))
    changes.sort(key=lambda c: (ORDER[c.level], c.operation, c.location, c.id))
    shown_levels = {lvl for lvl, rank in ORDER.items() if rank <= ORDER[_level(args.level)]}
    shown = [c for c in changes if c.level in shown_levels]
    replayed = replay(new, entries, old) if entries is not None else None
    summary = _summary(changes)
    if args.format == "json":
        print(json.dumps([c.as_dict() for c in shown], indent=2, ensure_ascii=False))
    elif args.format == "markdown":
        print(_markdown(shown, summary, replayed))
    else:
        if shown:
            print(_text(shown))
        print(f"speclint diff: {summary}")
    if replayed is not None and args.format != "markdown":
        stream = sys.stderr if args.format == "json" else sys.stdout
        print(_replay_summary(replayed), file=stream)
        for op, count in sorted(replayed.by_operation.items()):
            print(f"  {op}: {count}", file=stream)
        for example in replayed.examples:
            print(f"  e.g. {example}", file=stream)
    failing = {ERROR} | ({WARNING} if args.fail_on == "warn" else set())
    broken = any(c.level in failing and not c.approved for c in changes)
    return 1 if broken or (replayed is not None and replayed.rejected) else 0


def _level(name: str) -> str:
    return {"error": ERROR, "warning": WARNING, "info": INFO}[name]


def rules_markdown() -> str:
    """The catalogue as the Markdown table kept in ``specs/DIFF-RULES.md``."""
    lines = [
        "# Spec change rules (`python -m speclint diff`)",
        "",
        "Generated by `python -m speclint diff --rules`; a test keeps this file in sync.",
        "Ids and levels are oasdiff's (`checker/rules.go`) except the rules marked house rule,",
        "which oasdiff lacks and which are never `error`. `error`: breaks clients;",
        "`warning`: may break them; `info`: safe.",
        "",
        "| id | level | meaning |",
        "|---|---|---|",
    ]
    for rule_id, (lvl, meaning) in sorted(RULES.items()):
        lines.append(f"| `{rule_id}` | {lvl} | {meaning} |")
    return "\n".join(lines) + "\n"

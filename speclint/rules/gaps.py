"""Rule 9: the ``x-doc-gaps`` records and every operation's ``x-source`` citation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from speclint.docrefs import check_doc_ref
from speclint.model import Finding, SpecContext, ptr
from speclint.registry import spec_rule
from speclint.rules.operations import non_empty_str
from speclint.walk import as_dict, operations

GAP_ID = re.compile(r"^[A-Z0-9]{2}-\d{2,}$")
GAP_FIELDS = ("id", "topic", "doc", "quote", "decision")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _entry_problems(entry: Any, docs_dir: Path) -> Iterator[tuple[str, str]]:
    """``(field, problem)`` for one gap record."""
    if not isinstance(entry, dict):
        yield "", "gap record is not a mapping"
        return
    for field in GAP_FIELDS:
        if not non_empty_str(entry.get(field)):
            yield field, f"{field} must be a non-empty string"
    if non_empty_str(entry.get("id")) and not GAP_ID.match(entry["id"]):
        yield "id", f"{entry['id']!r} does not match {GAP_ID.pattern}"
    if non_empty_str(entry.get("doc")) and non_empty_str(entry.get("quote")):
        problem = check_doc_ref(entry["doc"], docs_dir, quote=entry["quote"])
        if problem:
            yield "doc", problem


def _prefix_problem(gap_id: str, expected: str | None) -> str | None:
    """One prefix per spec: the first record's (specs/README.md lists each spec's). No table of
    partners here: a new spec brings its own prefix."""
    if expected and gap_id.split("-")[0] != expected:
        return f"id {gap_id!r} should start with {expected}- like this spec's first record"
    return None


@spec_rule
def doc_gaps(spec: SpecContext) -> Iterator[Finding]:
    """Root ``x-doc-gaps``: right after ``info``; each record complete, unique, quoting its doc."""
    gaps = spec.doc.get("x-doc-gaps")
    if not isinstance(gaps, list):
        yield spec.finding("", "x-doc-gaps is missing or not a list")
        return
    keys = list(spec.doc)
    if "info" in keys and keys.index("x-doc-gaps") != keys.index("info") + 1:
        yield spec.finding("/x-doc-gaps", "x-doc-gaps must come right after info")
    ids = [as_dict(e).get("id") for e in gaps]
    expected = next((i.split("-")[0] for i in ids if isinstance(i, str) and GAP_ID.match(i)), None)
    seen: set[str] = set()
    for index, entry in enumerate(gaps):
        where = ptr("/x-doc-gaps", index)
        for field, problem in _entry_problems(entry, spec.docs_dir):
            yield spec.finding(ptr(where, field) if field else where, problem)
        gap_id = as_dict(entry).get("id")
        if isinstance(gap_id, str):
            if gap_id in seen:
                yield spec.finding(ptr(where, "id"), f"duplicate id {gap_id!r}")
            seen.add(gap_id)
            prefix_problem = _prefix_problem(gap_id, expected)
            if prefix_problem and GAP_ID.match(gap_id):
                yield spec.finding(ptr(where, "id"), prefix_problem)


@spec_rule
def description_points_to_gaps(spec: SpecContext) -> Iterator[Finding]:
    """``info.description`` ends with a sentence pointing readers to ``x-doc-gaps``."""
    description = as_dict(spec.doc.get("info")).get("description")
    sentences = SENTENCE_END.split(description.strip()) if isinstance(description, str) else []
    if not sentences or "x-doc-gaps" not in sentences[-1]:
        yield spec.finding(
            "/info/description", "must end with a sentence pointing readers to x-doc-gaps"
        )


@spec_rule
def operation_source(spec: SpecContext) -> Iterator[Finding]:
    """Every operation cites its doc lines in ``x-source: <file>:<lines>``."""
    for op in operations(spec.doc):
        if "x-source" not in op.node:
            yield spec.finding(op.pointer, "operation has no x-source")
            continue
        problem = check_doc_ref(op.node["x-source"], spec.docs_dir)
        if problem:
            yield spec.finding(ptr(op.pointer, "x-source"), problem)

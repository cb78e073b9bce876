"""Citations of the partner docs: ``<file>:<line>`` or ``<file>:<first>-<last>`` (1-based)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DOC_REF = re.compile(r"^(?P<file>[^\s:/\\]+):(?P<first>\d+)(?:-(?P<last>\d+))?$")
REF_SEPARATOR = re.compile(r"\s*[,;]\s*")


@dataclass(frozen=True)
class DocRef:
    """A file in the partner-docs folder and an inclusive 1-based line range."""

    file: str
    first: int
    last: int


def parse_doc_ref(text: str) -> DocRef | None:
    """Parse ``file:line`` or ``file:first-last``; ``None`` if the syntax is wrong."""
    match = DOC_REF.match(text.strip())
    if match is None:
        return None
    first = int(match["first"])
    last = int(match["last"]) if match["last"] else first
    return DocRef(match["file"], first, last)


def parse_doc_refs(text: str) -> list[DocRef | None]:
    """Parse one or more refs separated by ``,`` or ``;`` (an operation may span two docs)."""
    return [parse_doc_ref(part) for part in REF_SEPARATOR.split(text.strip())]


@lru_cache(maxsize=64)
def _read_lines(path: Path) -> tuple[str, ...] | None:
    try:
        return tuple(path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return None


def cited_lines(ref: DocRef, docs_dir: Path) -> tuple[str, ...] | str:
    """The cited lines, or a message saying why they cannot be read."""
    path = docs_dir / ref.file
    lines = _read_lines(path) if path.is_file() else None
    if lines is None:
        return f"{ref.file} is not a readable file in {docs_dir}"
    if not 1 <= ref.first <= ref.last:
        return f"bad line range {ref.first}-{ref.last}"
    if ref.last > len(lines):
        return f"{ref.file} has {len(lines)} lines, the citation asks for line {ref.last}"
    return lines[ref.first - 1 : ref.last]


def fold(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return " ".join(text.split())


def check_doc_ref(text: object, docs_dir: Path, quote: str | None = None) -> str | None:
    """Why the citation ``text`` is wrong (bad syntax, missing file/lines, quote not there)."""
    if not isinstance(text, str) or not text.strip():
        return "must be a non-empty string '<file>:<line>' or '<file>:<first>-<last>'"
    refs = parse_doc_refs(text) if quote is None else [parse_doc_ref(text)]
    texts: list[str] = []
    for ref in refs:
        if ref is None:
            return f"{text!r} is not '<file>:<line>' or '<file>:<first>-<last>'"
        lines = cited_lines(ref, docs_dir)
        if isinstance(lines, str):
            return lines
        texts.append("\n".join(lines))
    if quote is not None and fold(quote) not in fold("\n".join(texts)):
        return f"quote {fold(quote)!r} does not appear in {text}"
    return None

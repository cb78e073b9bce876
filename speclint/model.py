"""Core data types: findings, JSON pointers and the per-spec context handed to rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, order=True)
class Finding:
    """One rule violation at a JSON pointer inside one spec file."""

    file: str
    pointer: str
    message: str
    rule: str = ""

    def __str__(self) -> str:
        suffix = f" [{self.rule}]" if self.rule else ""
        return f"{self.file}#{self.pointer}: {self.message}{suffix}"


@dataclass(frozen=True)
class SpecContext:
    """A loaded spec: display name, parsed document and the partner-docs folder."""

    file: str
    doc: dict[str, Any]
    docs_dir: Path

    def finding(self, pointer: str, message: str) -> Finding:
        """Build a finding located in this spec."""
        return Finding(self.file, pointer, message)


def escape(token: object) -> str:
    """Escape one reference token (RFC 6901: ``~`` -> ``~0``, ``/`` -> ``~1``)."""
    # Hand-rolled: two replacements; jsonpointer is only a transitive dependency.
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """Undo :func:`escape`."""
    return token.replace("~1", "/").replace("~0", "~")


def ptr(base: str, *tokens: object) -> str:
    """Append reference tokens to a JSON pointer."""
    return base + "".join("/" + escape(t) for t in tokens)

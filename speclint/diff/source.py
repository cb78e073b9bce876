"""Read one side of a diff: a file, or ``git:REF:path`` (``git show`` in the current repo)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from speclint.loader import _jsonable


class SourceError(Exception):
    """The side cannot be read or parsed: a usage error (exit 2)."""


def read_text(spec: str) -> str:
    """The text of ``FILE`` or ``git:REF:path``."""
    if spec.startswith("git:"):
        ref, sep, path = spec[4:].partition(":")
        if not sep or not ref or not path:
            raise SourceError(f"{spec}: expected git:REF:path")
        return git_show(ref, path)
    try:
        return Path(spec).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{spec}: cannot read: {exc}") from exc


def git_show(ref: str, path: str, cwd: Path | None = None) -> str:
    """``git show REF:path``, the path taken relative to the current directory."""
    target = path if path.startswith("./") or path.startswith("/") else "./" + path
    result = subprocess.run(
        ["git", "show", f"{ref}:{target}"],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )
    if result.returncode != 0:
        raise SourceError(f"git:{ref}:{path}: {result.stderr.strip() or 'git show failed'}")
    return result.stdout


def parse(text: str, name: str) -> tuple[dict[str, Any], list[str]]:
    """The document as JSON-like data, and warnings about it (version, validity)."""
    try:
        raw = json.loads(text) if text.lstrip().startswith("{") else None
    except ValueError:
        raw = None
    if raw is None:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            raw = yaml.load(text, Loader=loader)  # CSafeLoader or SafeLoader: safe
        except yaml.YAMLError as exc:
            raise SourceError(
                f"{name}: not valid YAML or JSON: {' '.join(str(exc).split())}"
            ) from exc
        except RecursionError as exc:
            raise SourceError(f"{name}: nested too deeply to parse") from exc
    if not isinstance(raw, dict):
        raise SourceError(f"{name}: the top level is not a mapping, so not an OpenAPI document")
    if _too_big(raw):
        raise SourceError(f"{name}: over {MAX_NODES} nodes once YAML aliases are expanded")
    fixes: list[Any] = []
    try:
        doc = _jsonable(raw, "", name, fixes)
    except RecursionError as exc:
        raise SourceError(f"{name}: nested too deeply to compare") from exc
    return doc, _warnings(doc, name)


MAX_NODES = 5_000_000


def _too_big(raw: Any) -> bool:
    """Count nodes as the aliases expand (a YAML alias cycle or bomb never ends otherwise)."""
    seen, todo = 0, [raw]
    while todo:
        item = todo.pop()
        seen += 1
        if seen > MAX_NODES:
            return True
        if isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return False


def _warnings(doc: dict[str, Any], name: str) -> list[str]:
    version = doc.get("openapi")
    if "swagger" in doc:
        return [f"{name}: Swagger {doc.get('swagger')} document; compared as if OpenAPI 3.0"]
    if not isinstance(version, str):
        return [f"{name}: no `openapi` version; compared as if OpenAPI 3.0"]
    if not version.startswith("3.0"):
        return [f"{name}: OpenAPI {version}; compared with the 3.0 rules, best effort"]
    try:
        from openapi_spec_validator import validate

        validate(doc)
    except Exception as exc:  # any failure, even a validator crash, only warns
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [f"{name}: not a valid OpenAPI 3.0 document ({first[:160]}); compared anyway"]
    return []

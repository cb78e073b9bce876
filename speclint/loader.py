"""Load spec files with PyYAML and flag values that are not plain JSON."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

from speclint.model import Finding, SpecContext, ptr

JSON_SCALARS = (str, int, float, bool, type(None))


def _jsonable(node: Any, pointer: str, file: str, out: list[Finding]) -> Any:
    """Copy ``node`` with string keys and JSON scalars, recording a finding for each fix."""
    # Hand-rolled: PyYAML (like connexion's loader) turns `200:` into an int key and
    # `2024-01-01T00:00:00Z` into a datetime; openapi-spec-validator then crashes or
    # examples stop being what a JSON client sees. Report, then carry on with strings.
    if isinstance(node, dict):
        result: dict[str, Any] = {}
        for key, value in node.items():
            if not isinstance(key, str):
                out.append(
                    Finding(
                        file,
                        ptr(pointer, key),
                        f"key {key!r} is a YAML {type(key).__name__}; quote it",
                    )
                )
            result[str(key)] = _jsonable(value, ptr(pointer, key), file, out)
        return result
    if isinstance(node, list):
        return [_jsonable(v, ptr(pointer, i), file, out) for i, v in enumerate(node)]
    if isinstance(node, datetime.date):
        out.append(Finding(file, pointer, f"{node} is a YAML timestamp, not a string; quote it"))
        return node.isoformat().replace("+00:00", "Z")
    if not isinstance(node, JSON_SCALARS):
        out.append(Finding(file, pointer, f"{type(node).__name__} value is not JSON"))
        return str(node)
    return node


def load(
    path: Path, docs_dir: Path, display: str | None = None
) -> tuple[SpecContext | None, list[Finding]]:
    """Parse one spec; the context is ``None`` when it cannot be read as a YAML mapping."""
    file = display if display is not None else str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Finding(file, "", f"cannot read: {exc}")]
    except yaml.YAMLError as exc:
        return None, [Finding(file, "", f"not valid YAML: {' '.join(str(exc).split())}")]
    if not isinstance(raw, dict):
        return None, [Finding(file, "", "top level is not a mapping")]
    findings: list[Finding] = []
    doc = _jsonable(raw, "", file, findings)
    return SpecContext(file, doc, docs_dir), findings

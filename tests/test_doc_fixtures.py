"""The docs' own JSON bodies (tests/fixtures/docs/<name>/) against the schemas of specs/<name>.yaml.

Format of ``manifest.yaml``: specs/README.md, "Docs' own examples as fixtures". Validation is
speclint's (the same validator as its examples-valid rule).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from speclint import default_docs_dir, instance_errors
from speclint.docrefs import check_doc_ref
from speclint.loader import load
from speclint.walk import payload_schema

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "docs"
SPECS = ROOT / "specs"
REQUIRED_KEYS = {"file", "doc", "operation", "kind", "expect"}


@dataclass(frozen=True)
class ManifestEntry:
    """One manifest entry of the fixtures for ``specs/<name>.yaml``."""

    name: str
    entry: Any


def _case_id(name: str, index: int, entry: Any) -> str:
    if not isinstance(entry, dict):
        return f"{name}/entry-{index}"
    stem = Path(str(entry.get("file", f"entry-{index}"))).stem
    expect = entry.get("expect")
    label = f"invalid-{expect.get('invalid')}" if isinstance(expect, dict) else str(expect)
    return f"{name}/{stem}-{label}"


def _cases() -> list[Any]:
    params = []
    for manifest in sorted(FIXTURES.glob("*/manifest.yaml")):
        name = manifest.parent.name
        entries = yaml.safe_load(manifest.read_text(encoding="utf-8"))
        if not isinstance(entries, list) or not entries:
            params.append(pytest.param(ManifestEntry(name, entries), id=f"{name}/manifest"))
            continue
        for index, entry in enumerate(entries):
            params.append(pytest.param(ManifestEntry(name, entry), id=_case_id(name, index, entry)))
    return params or [pytest.param(None, id="no-manifests")]


@cache
def _spec(name: str) -> dict[str, Any]:
    spec, problems = load(SPECS / f"{name}.yaml", default_docs_dir())
    assert spec is not None, f"specs/{name}.yaml: {problems}"
    return spec.doc


@pytest.mark.parametrize("case", _cases())
def test_doc_fixture(case: ManifestEntry | None) -> None:
    if case is None:
        pytest.fail(f"no {FIXTURES.relative_to(ROOT)}/*/manifest.yaml: doc fixtures are required")
    entry = case.entry
    assert isinstance(entry, dict), f"manifest entry is not a mapping: {entry!r}"
    assert entry.keys() >= REQUIRED_KEYS, f"manifest entry lacks {REQUIRED_KEYS - entry.keys()}"
    assert entry["kind"] in ("request", "response"), f"kind {entry['kind']!r}"
    assert entry["kind"] == "request" or "status" in entry, "a response entry needs status"
    problem = check_doc_ref(entry["doc"], default_docs_dir())
    assert problem is None, f"doc {entry['doc']!r}: {problem}"

    doc = _spec(case.name)
    instance = json.loads((FIXTURES / case.name / entry["file"]).read_text(encoding="utf-8"))
    try:
        pointer = payload_schema(doc, entry["operation"], entry["kind"], entry.get("status"))
    except LookupError as exc:
        pytest.fail(f"specs/{case.name}.yaml: {exc}")
    errors = instance_errors(doc, pointer, instance, entry["kind"])
    where = f"{entry['file']} against specs/{case.name}.yaml#{pointer}"

    expect = entry["expect"]
    if expect == "valid":
        assert not errors, f"{where}:\n" + "\n".join(f"  {at or '/'}: {m}" for at, m in errors)
        return
    assert isinstance(expect, dict) and set(expect) == {"invalid"}, f"bad expect: {expect!r}"
    gap_ids = {g.get("id") for g in doc.get("x-doc-gaps", []) if isinstance(g, dict)}
    assert expect["invalid"] in gap_ids, f"{expect['invalid']!r} is not in x-doc-gaps"
    assert errors, f"{where} validates, but the manifest expects it invalid ({expect['invalid']})"

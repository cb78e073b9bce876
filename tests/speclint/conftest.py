"""Fixtures: a clean minimal spec, a fake partner-docs folder, and a lint runner."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from speclint import Finding, lint

HERE = Path(__file__).parent
MINIMAL_SPEC = HERE / "minimal_spec.yaml"
PARTNER_DOC = """\
Widgets Partner API
POST /v1/widgets creates a widget. Authenticate with the X-Api-Key header.
GET /v1/status is public and needs no key.
Errors are returned as {"error": {"code": "...", "message": "..."}}.
When rate limited you get 429; wait for the seconds in Retry-After.
The docs never say how long a widget name may be.
"""

Spec = dict[str, Any]
LintSpecs = Callable[..., list[Finding]]


@pytest.fixture(scope="session")
def _minimal() -> Spec:
    loaded: Spec = yaml.safe_load(MINIMAL_SPEC.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def spec(_minimal: Spec) -> Spec:
    """A fresh, mutable copy of the clean minimal spec."""
    return copy.deepcopy(_minimal)


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    """A fake partner-docs folder holding ``partner.txt``."""
    folder = tmp_path / "shared" / "partner-docs"
    folder.mkdir(parents=True)
    (folder / "partner.txt").write_text(PARTNER_DOC, encoding="utf-8")
    return folder


@pytest.fixture
def lint_specs(tmp_path: Path, docs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> LintSpecs:
    """Write specs as ``specs/<name>`` under a fake repo and lint them together."""
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    monkeypatch.chdir(repo)

    def run(*docs: Spec, names: tuple[str, ...] = ("specs/widgets.yaml",)) -> list[Finding]:
        for name, doc in zip(names, docs, strict=True):
            Path(name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        return lint(names, docs_dir=docs_dir)

    return run

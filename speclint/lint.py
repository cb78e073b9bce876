"""Entry point for library use: lint a set of spec files together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import yaml

import speclint.rules  # noqa: F401  (registers the rules)
from speclint.loader import load
from speclint.model import Finding, SpecContext
from speclint.registry import RULES, run_rules

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_docs_dir() -> Path:
    """``<repo>/docs/partners``: the partner docs travel with the repository, so a clone
    anywhere lints (docs/partners/README.md says where they came from)."""
    return REPO_ROOT / "docs" / "partners"


def is_openapi_file(path: Path) -> bool:
    """A YAML file whose root mapping has an ``openapi`` key (not a profile or credentials)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return True  # let lint() report why it cannot be read
    return isinstance(doc, dict) and "openapi" in doc


def expand(args: Iterable[str | Path]) -> tuple[list[Path], list[Finding]]:
    """Files stay as given; a folder becomes its OpenAPI ``*.yaml``/``*.yml`` files."""
    paths: list[Path] = []
    findings: list[Finding] = []
    for arg in map(Path, args):
        if not arg.is_dir():
            paths.append(arg)
            continue
        found = [p for p in sorted(arg.glob("*.y*ml")) if is_openapi_file(p)]
        if not found:
            findings.append(Finding(str(arg), "", "no OpenAPI *.yaml files in this folder"))
        paths.extend(found)
    return paths, findings


def lint(
    paths: Iterable[str | Path],
    docs_dir: str | Path | None = None,
    rules: Sequence[str] | None = None,
) -> list[Finding]:
    """Lint ``paths`` together (cross-file rules see all of them); returns sorted findings.

    Files are named in findings as given. ``rules`` limits the run to those rule names.
    """
    docs = Path(docs_dir) if docs_dir is not None else default_docs_dir()
    findings: list[Finding] = []
    specs: list[SpecContext] = []
    for path in paths:
        spec, problems = load(Path(path), docs, display=str(path))
        findings.extend(problems)
        if spec is not None:
            specs.append(spec)
    selected = [RULES[name] for name in rules] if rules is not None else list(RULES.values())
    return sorted(set(findings)) + run_rules(specs, selected)

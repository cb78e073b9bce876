"""The history step of ``make test``: every edit of each spec, in a throwaway git repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.speclint.diff.cases import base

REPO = Path(__file__).resolve().parents[2]


def _git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env)


def _history(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "speclint.diff.history", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_first_version_then_breaking_then_approved(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    _git(tmp_path, "init", "-q")
    spec.write_text(yaml.safe_dump(base()), encoding="utf-8")
    _git(tmp_path, "add", "api.yaml")
    _git(tmp_path, "commit", "-qm", "first")
    first = _history(tmp_path, "api.yaml")
    assert first.returncode == 0 and "no earlier version" in first.stdout

    broken = base()
    broken["paths"].pop("/other")
    spec.write_text(yaml.safe_dump(broken), encoding="utf-8")
    uncommitted = _history(tmp_path, "api.yaml")  # compared with HEAD
    assert uncommitted.returncode == 1 and "against HEAD" in uncommitted.stdout
    _git(tmp_path, "commit", "-qam", "drop /other")
    committed = _history(tmp_path, "api.yaml")  # compared with the version before that commit
    assert committed.returncode == 1 and "api-path-removed-without-deprecation" in committed.stdout

    broken["x-breaking-changes"] = [
        {
            "id": "api-path-removed-without-deprecation",
            "location": "/paths/~1other",
            "reason": "no client ever called it",
        }
    ]
    spec.write_text(yaml.safe_dump(broken), encoding="utf-8")
    _git(tmp_path, "commit", "-qam", "approve")
    # the approval commit itself is non-breaking against its parent
    assert _history(tmp_path, "api.yaml").returncode == 0
    assert _history(tmp_path, "--base", "HEAD~2", "api.yaml").returncode == 0


def test_a_break_followed_by_another_commit_still_fails_until_approved(tmp_path: Path) -> None:
    """Only the latest edit was reviewed: a breaking commit passed once a later commit
    reworded a description of the same spec."""
    spec = tmp_path / "api.yaml"
    _git(tmp_path, "init", "-q")
    spec.write_text(yaml.safe_dump(base()), encoding="utf-8")
    _git(tmp_path, "add", "api.yaml")
    _git(tmp_path, "commit", "-qm", "first")
    broken = base()
    broken["paths"].pop("/other")
    spec.write_text(yaml.safe_dump(broken), encoding="utf-8")
    _git(tmp_path, "commit", "-qam", "drop /other")
    broken["info"]["description"] = "reworded"
    spec.write_text(yaml.safe_dump(broken), encoding="utf-8")
    _git(tmp_path, "commit", "-qam", "reword")
    later = _history(tmp_path, "api.yaml")
    assert later.returncode == 1, later.stdout
    assert (
        "api-path-removed-without-deprecation" in later.stdout
        and "against its parent" in later.stdout
    )
    broken["x-breaking-changes"] = [
        {"id": "api-path-removed-without-deprecation", "location": "/paths/~1other", "reason": "r"}
    ]
    spec.write_text(yaml.safe_dump(broken), encoding="utf-8")
    _git(tmp_path, "commit", "-qam", "approve")  # approved now: the old commit passes too
    assert _history(tmp_path, "api.yaml").returncode == 0


def test_a_base_that_is_not_a_commit_is_a_usage_error_not_a_pass(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    _git(tmp_path, "init", "-q")
    spec.write_text(yaml.safe_dump(base()), encoding="utf-8")
    fresh = _history(tmp_path, "--base", "HEAD", "api.yaml")  # no commit yet: nothing to compare
    assert fresh.returncode == 0 and "no commit yet" in fresh.stdout, fresh.stdout + fresh.stderr
    _git(tmp_path, "add", "api.yaml")
    _git(tmp_path, "commit", "-qm", "first")
    broken = base()
    broken["paths"].pop("/other")
    spec.write_text(yaml.safe_dump(broken), encoding="utf-8")
    for ref in ("nosuchref", "origin/mian", "HEAD~5"):
        result = _history(tmp_path, "--base", ref, "api.yaml")
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"--base {ref}: not a commit" in result.stderr
    assert _history(tmp_path, "--base", "HEAD", "api.yaml").returncode == 1  # the real break


def test_current_specs_pass() -> None:
    specs = [str(p) for p in sorted((REPO / "specs").glob("*.yaml")) if "credentials" not in p.name]
    result = _history(REPO, *specs)
    assert result.returncode == 0, result.stdout + result.stderr

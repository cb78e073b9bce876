"""``python -m speclint``: output format and exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from speclint.cli import main

MINIMAL_SPEC = Path(__file__).parent / "minimal_spec.yaml"


@pytest.fixture
def spec_copy(tmp_path: Path) -> Path:
    target = tmp_path / "widgets.yaml"
    shutil.copy(MINIMAL_SPEC, target)
    return target


def test_clean_spec_exits_0(
    spec_copy: Path, docs_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--docs", str(docs_dir), str(spec_copy)]) == 0
    assert capsys.readouterr().out == "speclint: 1 spec(s) clean\n"


def test_findings_exit_1(
    spec_copy: Path, docs_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = spec_copy.read_text(encoding="utf-8").replace("      security: []\n", "")
    spec_copy.write_text(text, encoding="utf-8")
    assert main(["--docs", str(docs_dir), str(spec_copy)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"{spec_copy}#/paths/~1v1~1status/get: operation has no operation-level security"
        " [operation-security]"
    )
    assert lines[-1].startswith("speclint: 1 finding(s) in 1 file(s)")


def test_missing_docs_folder_is_reported(spec_copy: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "speclint", "--docs", str(tmp_path / "nowhere"), str(spec_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "/x-doc-gaps/0/doc: partner.txt is not a readable file in" in result.stdout


def test_no_spec_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_folder_argument_lints_only_openapi_files(
    spec_copy: Path, docs_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (spec_copy.parent / "sandbox-credentials.yaml").write_text("zipteams: []\n", encoding="utf-8")
    assert main(["--docs", str(docs_dir), str(spec_copy.parent)]) == 0
    assert capsys.readouterr().out == "speclint: 1 spec(s) clean\n"


def test_empty_folder_is_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 1
    assert f"{tmp_path}#: no OpenAPI *.yaml files in this folder" in capsys.readouterr().out

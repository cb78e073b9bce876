"""The run report: at the end of a pytest run, what the contract tests recorded (ledger.py) is
written to ``reports/<name>.md`` and its path printed (issue 9, item 5)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .ledger import LEDGER, markdown
from .targets import ROOT


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    if not LEDGER.rows:
        return  # no contract test judged a target in this run
    # CONTRACT_REPORT_DIR moves it (the test suite's own live runs write to a temporary folder)
    path = Path(os.environ.get("CONTRACT_REPORT_DIR") or ROOT / "reports") / f"{LEDGER.name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(LEDGER), encoding="utf-8")
    totals = LEDGER.totals()
    terminalreporter.write_sep(
        "-",
        f"contract report: {path} ({totals['checks']} operation x check "
        f"pairs, {totals['failing checks']} failing)",
    )

"""The run report: at the end of a pytest run, what the contract tests recorded (ledger.py) is
written to ``reports/<name>.md`` and its path printed (issue 9, item 5)."""

from __future__ import annotations

from typing import Any

from .ledger import LEDGER, markdown
from .targets import ROOT


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    if not LEDGER.rows:
        return  # no contract test judged a target in this run
    path = ROOT / "reports" / f"{LEDGER.name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(LEDGER), encoding="utf-8")
    totals = LEDGER.totals()
    terminalreporter.write_sep(
        "-",
        f"contract report: {path.relative_to(ROOT)} ({totals['checks']} operation x check "
        f"pairs, {totals['failing checks']} failing)",
    )

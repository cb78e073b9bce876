"""The run report: at the end of a pytest run, what the contract tests recorded (ledger.py) is
written to ``reports/<name>.md`` and its path printed (issue 9, item 5).

Under pytest-xdist (``make test`` runs its tests on one worker per core) each worker sends its
ledger to the controller when it finishes, and only the controller writes the merged report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .ledger import LEDGER, markdown
from .targets import ROOT


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workeroutput"):  # an xdist worker: hand the ledger over
        session.config.workeroutput["contract_ledger"] = LEDGER.to_data()


@pytest.hookimpl(optionalhook=True)  # xdist's hook: a worker finished (controller side)
def pytest_testnodedown(node: Any, error: Any) -> None:
    data = getattr(node, "workeroutput", {}).get("contract_ledger")
    if data and data["rows"]:
        LEDGER.merge(data)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    if hasattr(config, "workerinput") or not LEDGER.rows:
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

"""Fuzzing speed: schemathesis cases per second against the in-process mock.

``python -m bench.fuzz`` runs the contract suite's fuzz tests (contract_tests/test_fuzz_mock.py,
every check on, exactly as ``make test`` runs them) and counts each request schemathesis sends
(``Case.call``). ``--make-test`` also times a whole ``make test``. Results go to
``reports/bench/fuzz.json`` (ignored; copy to bench/results/ on purpose). Numbers are
measured, never asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .cases import ROOT
from .procs import Processes, sigterm_as_exit

RESULTS = Path(__file__).resolve().parent.parent / "reports" / "bench"  # ignored path


class _Counter:
    """A pytest plugin counting schemathesis requests and test outcomes."""

    def __init__(self) -> None:
        self.calls = 0
        self.outcomes: dict[str, int] = {}

    def pytest_configure(self, config: Any) -> None:
        from schemathesis import Case

        original = Case.call
        counter = self

        def call(case: Any, *args: Any, **kwargs: Any) -> Any:
            counter.calls += 1
            return original(case, *args, **kwargs)

        Case.call = call  # type: ignore[method-assign]

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.outcome] = self.outcomes.get(report.outcome, 0) + 1


def fuzz_speed(target: str) -> dict[str, Any]:
    import pytest

    counter = _Counter()
    started = time.perf_counter()
    code = pytest.main([target, "-q", "-p", "no:cacheprovider", "--no-header"], plugins=[counter])
    wall = time.perf_counter() - started
    return {
        "target": target,
        "exit_code": int(code),
        "outcomes": counter.outcomes,
        "cases": counter.calls,
        "wall_s": round(wall, 2),
        "cases_per_s": round(counter.calls / wall, 1) if wall else None,
    }


def time_make_test() -> dict[str, Any]:
    with Processes() as ps:
        started = time.perf_counter()
        proc = ps.start(["make", "test"], cwd=ROOT, log=ROOT / ".cache" / "bench" / "make-test.log")
        code = proc.wait()
        wall = time.perf_counter() - started
    return {"exit_code": code, "wall_s": round(wall, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__)
    parser.add_argument("--target", default="contract_tests/test_fuzz_mock.py")
    parser.add_argument("--make-test", action="store_true", help="also time a whole `make test`")
    parser.add_argument("--out", type=Path, default=RESULTS / "fuzz.json")
    args = parser.parse_args()
    sigterm_as_exit()
    result: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds")}
    result["fuzz"] = fuzz_speed(args.target)
    if args.make_test:
        result["make_test"] = time_make_test()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    fuzz = result["fuzz"]
    print(
        f"\nfuzzing: {fuzz['cases']} schemathesis cases in {fuzz['wall_s']} s = "
        f"{fuzz['cases_per_s']} cases/s (pytest exit {fuzz['exit_code']}, {fuzz['outcomes']})"
    )
    if "make_test" in result:
        mt = result["make_test"]
        print(f"make test: {mt['wall_s']} s wall (exit {mt['exit_code']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What one run of the contract suite found: operations x checks, pass/fail counts, every failure
with its curl (issue 9, items 2 and 5).

The tests that judge the real target (the mock in-process, or a live endpoint) record here; the
planted-fault tests do not, so a run's report is about the target only. ``markdown`` renders the
run report that contract_tests/conftest.py writes under ``reports/`` at the end of the session.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Finding:
    """One distinct departure (the same check, title and detail seen again only counts up)."""

    title: str
    detail: str
    curl: str
    count: int = 1


@dataclass
class Cell:
    """One operation x check: how often it held, and every distinct way it did not."""

    passed: int = 0
    not_run: int = 0  # responses the check did not apply to (e.g. no unknown method was sent)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return sum(f.count for f in self.findings.values())


@dataclass
class Ledger:
    name: str = "contract-mock"  # the report's file name under reports/ (live: contract-<api>)
    title: str = "Contract run: the mock, in-process"
    # (api, "METHOD /path") -> check -> cell; insertion order is the order tests ran in.
    rows: dict[tuple[str, str], dict[str, Cell]] = field(default_factory=dict)

    def cell(self, api: str, operation: str, check: str) -> Cell:
        return self.rows.setdefault((api, operation), {}).setdefault(check, Cell())

    def passed(self, api: str, operation: str, check: str, times: int = 1) -> None:
        self.cell(api, operation, check).passed += times

    def not_run(self, api: str, operation: str, check: str, times: int = 1) -> None:
        self.cell(api, operation, check).not_run += times

    def failed(
        self, api: str, operation: str, check: str, title: str, detail: str, curl: str
    ) -> None:
        findings = self.cell(api, operation, check).findings
        key = (title, detail)
        if key in findings:
            findings[key].count += 1
        else:
            findings[key] = Finding(title, detail, curl)

    def to_data(self) -> dict[str, Any]:
        """Plain lists and strings: what a pytest-xdist worker sends to the controller."""
        rows = [
            [api, operation, check, cell.passed, cell.not_run,
             [[f.title, f.detail, f.curl, f.count] for f in cell.findings.values()]]
            for (api, operation), checks in self.rows.items()
            for check, cell in checks.items()
        ]  # fmt: skip
        return {"name": self.name, "title": self.title, "rows": rows}

    def merge(self, data: dict[str, Any]) -> None:
        """Add another process's ``to_data``: counts add up, a finding seen by both counts twice."""
        self.name, self.title = data["name"], data["title"]
        for api, operation, check, passed, not_run, findings in data["rows"]:
            cell = self.cell(api, operation, check)
            cell.passed += passed
            cell.not_run += not_run
            for title, detail, curl, count in findings:
                if (title, detail) in cell.findings:
                    cell.findings[(title, detail)].count += count
                else:
                    cell.findings[(title, detail)] = Finding(title, detail, curl, count)
        # workers finish in any order: the merged report lists operations sorted, every run alike
        self.rows = dict(sorted(self.rows.items()))

    def totals(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for checks in self.rows.values():
            for cell in checks.values():
                out["checks"] += 1
                out["failing checks"] += bool(cell.findings)
                out["passed"] += cell.passed
                out["not run"] += cell.not_run
                out["failed"] += cell.failed
        return out


def _cell_text(cell: Cell) -> str:
    if not cell.passed and not cell.findings and cell.not_run:
        return f"not run ({cell.not_run} responses it did not apply to)"
    text = f"{cell.passed} ✓" + (f" / **{cell.failed} ✗**" if cell.findings else "")
    return text + (f" · {cell.not_run} not run" if cell.not_run else "")


def _fence(text: str) -> str:
    return "```\n" + text.replace("```", "'''") + "\n```"


def markdown(ledger: Ledger) -> str:
    """The run report: a summary, operations x checks, then each failure with its curl."""
    totals = ledger.totals()
    lines = [
        f"# {ledger.title}",
        "",
        f"{len(ledger.rows)} operations, {totals['checks']} operation x check pairs, "
        f"{totals['failing checks']} failing; {totals['passed']} checks held, "
        f"{totals['failed']} failed, {totals['not run']} not run (did not apply).",
        "",
    ]
    for (api, operation), checks in ledger.rows.items():
        lines += [f"## {api} {operation}", "", "| check | result |", "|---|---|"]
        lines += [f"| {name} | {_cell_text(cell)} |" for name, cell in checks.items()]
        lines.append("")
    failing = [
        (api, operation, name, cell)
        for (api, operation), checks in ledger.rows.items()
        for name, cell in checks.items()
        if cell.findings
    ]
    lines += ["# Failures", ""]
    if not failing:
        lines += ["None: every check held.", ""]
    for api, operation, name, cell in failing:
        lines += [f"## {api} {operation} · {name}", ""]
        for finding in cell.findings.values():
            seen = f" (seen {finding.count} times)" if finding.count > 1 else ""
            lines += [f"- **{finding.title}**{seen}", "", _fence(finding.detail), ""]
            lines += ["  Reproduce:", "", _fence(finding.curl), ""]
    return "\n".join(lines)


LEDGER = Ledger()  # the session's ledger (one pytest run is one contract run)

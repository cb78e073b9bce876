"""The results table (markdown, printed and pasted into the README) and the goal checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GOALS = {  # the performance goal, per case
    "rps_vs_prism": 2.0,  # mock requests/s >= 2x Prism's
    "p99_below_prism": True,  # mock p99 < Prism's p99
    "rss_mb": 100.0,  # mock RSS per worker <= 100 MB
    "rps_vs_ceiling": 0.3,  # mock requests/s >= 0.3x the bare ceiling
}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def goals(case: Mapping[str, Any]) -> dict[str, bool | None]:
    mock, prism, ceiling = (case["servers"].get(k) or {} for k in ("mock", "prism", "ceiling"))
    vs_prism = ratio(mock.get("rps"), prism.get("rps"))
    vs_ceiling = ratio(mock.get("rps"), ceiling.get("rps"))
    p99, prism_p99 = mock.get("p99_ms"), prism.get("p99_ms")
    rss = mock.get("rss_mb")
    return {
        "rps_vs_prism": None if vs_prism is None else vs_prism >= GOALS["rps_vs_prism"],
        "p99_below_prism": None if p99 is None or prism_p99 is None else p99 < prism_p99,
        "rss_mb": None if rss is None else rss <= GOALS["rss_mb"],
        "rps_vs_ceiling": None if vs_ceiling is None else vs_ceiling >= GOALS["rps_vs_ceiling"],
    }


def _n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _goal_cell(checks: Mapping[str, bool | None]) -> str:
    names = {
        "rps_vs_prism": ">=2x Prism",
        "p99_below_prism": "p99<Prism",
        "rss_mb": "<=100 MB",
        "rps_vs_ceiling": ">=0.3x ceiling",
    }
    missed = [names[k] for k, ok in checks.items() if ok is False]
    unknown = [names[k] for k, ok in checks.items() if ok is None]
    if not missed and not unknown:
        return "met"
    parts = []
    if missed:
        parts.append("missed " + ", ".join(missed))
    if unknown:
        parts.append("n/a " + ", ".join(unknown))
    return "; ".join(parts)


def _status(run: Mapping[str, Any] | None) -> str:
    if not run:
        return "-"
    mark = "" if run.get("consistent", True) else "!"
    return f"{run.get('status', '?')}{mark}"


def table(cases: list[Mapping[str, Any]]) -> str:
    head = (
        "| case | status mock/Prism | mock req/s | p50 ms | p99 ms | RSS MB "
        "| Prism req/s | p50 ms | p99 ms | RSS MB | ceiling req/s | p99 ms "
        "| mock/Prism | mock/ceiling | goal |"
    )
    rows = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for case in cases:
        if case.get("not_served"):
            rows.append(
                f"| {case['name']} | not served | " + " | ".join(["-"] * 12) + f" | "
                f"{case['not_served']} |"
            )
            continue
        servers = case["servers"]
        mock, prism, ceiling = (servers.get(k) or {} for k in ("mock", "prism", "ceiling"))
        rows.append(
            "| "
            + " | ".join(
                [
                    case["name"],
                    f"{_status(mock)}/{_status(prism)}",
                    _n(mock.get("rps")),
                    _n(mock.get("p50_ms"), 2),
                    _n(mock.get("p99_ms"), 2),
                    _n(mock.get("rss_mb")),
                    _n(prism.get("rps")),
                    _n(prism.get("p50_ms"), 2),
                    _n(prism.get("p99_ms"), 2),
                    _n(prism.get("rss_mb")),
                    _n(ceiling.get("rps")),
                    _n(ceiling.get("p99_ms"), 2),
                    _x(case.get("ratios", {}).get("mock_vs_prism")),
                    _x(case.get("ratios", {}).get("mock_vs_ceiling")),
                    _goal_cell(case.get("goals", {})),
                ]
            )
            + " |"
        )
    return "\n".join(rows)


def shared_table(cases: list[Mapping[str, Any]]) -> str:
    """One worker with state in memory beside two workers sharing state on Redis."""
    rows = [
        "| case | mock 1 worker req/s | p50 / p99 ms | mock 2 workers + Redis req/s "
        "| p50 / p99 ms | 2w+Redis / 1w |",
        "|---|---|---|---|---|---|",
    ]
    for case in cases:
        if case.get("not_served"):
            continue
        servers = case.get("servers", {})
        one, shared = (servers.get(k) or {} for k in ("mock", "mock-redis"))
        rows.append(
            f"| {case['name']} | {_n(one.get('rps'))} | {_n(one.get('p50_ms'), 1)} / "
            f"{_n(one.get('p99_ms'), 1)} | {_n(shared.get('rps'))} | "
            f"{_n(shared.get('p50_ms'), 1)} / {_n(shared.get('p99_ms'), 1)} | "
            f"{_x(case.get('ratios', {}).get('shared_vs_mock'))} |"
        )
    return "\n".join(rows)


def cpu_table(cases: list[Mapping[str, Any]]) -> str:
    """Process CPU time per request: steadier than requests/s when the machine is shared."""
    rows = [
        "| case | mock CPU µs/req | Prism CPU µs/req | ceiling CPU µs/req | mock/ceiling CPU |",
        "|---|---|---|---|---|",
    ]
    for case in cases:
        if case.get("not_served"):
            continue
        cpu = {
            k: (case["servers"].get(k) or {}).get("cpu_us_per_request")
            for k in ("mock", "prism", "ceiling")
        }
        rows.append(
            f"| {case['name']} | {_n(cpu['mock'])} | {_n(cpu['prism'])} | {_n(cpu['ceiling'])} "
            f"| {_x(ratio(cpu['mock'], cpu['ceiling']))} |"
        )
    return "\n".join(rows)


def comparison(previous: Mapping[str, Any], cases: list[Mapping[str, Any]]) -> str | None:
    """Mock requests/s now against the previous JSON, per case both runs measured."""
    before = {
        c["name"]: (c.get("servers", {}).get("mock") or {}).get("rps")
        for c in previous.get("cases", [])
    }
    rows = []
    for case in cases:
        now = (case.get("servers", {}).get("mock") or {}).get("rps")
        was = before.get(case["name"])
        if now and was:
            rows.append(
                f"| {case['name']} | {was:,.0f} | {now:,.0f} | {100 * (now / was - 1):+.0f}% |"
            )
    if not rows:
        return None
    when = previous.get("date", "?")
    return "\n".join(
        [f"| case | mock req/s ({when}) | mock req/s (now) | change |", "|---|---|---|---|", *rows]
    )

"""``python -m bench``: measure the mock, Prism and the bare ceiling; print and save the table.

Every server runs alone on 127.0.0.1, one process each; each case is sent to each server with
wrk (1 thread, 16 connections by default) for a warm-up, then for the measured run. The mock
runs with its rate limits off (``--no-rate-limits``): the documented 120/minute would otherwise
turn the load into 429s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import cases as casemod
from . import load, procs, profile, report, tools
from .cases import CASES, ROOT, Case, NotReady, Request

RESULTS = Path(__file__).resolve().parent / "results"  # tracked: copied here on purpose
OUTPUT = Path(__file__).resolve().parent.parent / "reports" / "bench"  # ignored: runs write here
WORK = tools.CACHE / "bench"
PROFILED = ("zipteams-batch-1", "zipteams-batch-50", "zipteams-invalid")
SERVERS = ("mock", "mock-redis", "prism", "ceiling")
SHARED_WORKERS = 2  # mock-redis: --workers 2 --store redis:// (the cost of sharing state)


def _say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per run")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    p.add_argument(
        "--servers", default=",".join(SERVERS), help="subset of mock,mock-redis,prism,ceiling"
    )
    p.add_argument(
        "--prism-log",
        default="warn",
        choices=["info", "warn", "error", "silent"],
        help="Prism's --verboseLevel: warn, like the mock's level (Prism's default, info, logs "
        "every request and halves its throughput); its log goes to .cache/bench/",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help=f"also record py-spy profiles of the mock under {', '.join(PROFILED)}",
    )
    p.add_argument("--profile-seconds", type=int, default=8)
    p.add_argument("--out", type=Path, default=OUTPUT / "latest.json")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    return p.parse_args(argv)


def fetch(port: int, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, target, body=body or None, headers=dict(headers))
        resp = conn.getresponse()
        return resp.status, resp.getheader("content-type") or "application/json", resp.read()
    finally:
        conn.close()


def _mock_env() -> dict[str, str]:
    """The environment minus the mock's own variables, so it runs with its defaults."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MOCK_")}


class Bench:
    def __init__(self, args: argparse.Namespace, ps: procs.Processes) -> None:
        self.args = args
        self.ps = ps
        self.load = load.Load(args.threads, args.connections, args.duration, args.warmup)
        self.servers = [s for s in args.servers.split(",") if s]
        self.wrk = tools.ensure_wrk()
        self.prism = tools.ensure_prism() if "prism" in self.servers else None
        self.ports: dict[str, int] = {}
        self.pids: dict[str, int] = {}
        self.prism_ports: dict[str, int] = {}  # spec file -> port
        self.prism_pids: dict[str, int] = {}

    # --- servers -----------------------------------------------------------------------------

    def start_mock(self) -> dict[str, str]:
        port = procs.free_port()
        argv = [sys.executable, "-m", "mock_server", "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--no-rate-limits", "--log-level", "warning"]
        proc = self.ps.start(argv, log=WORK / "mock.log", cwd=ROOT, env=_mock_env())
        procs.wait_http(port, "/__mock/health", proc, timeout=90)
        self.ports["mock"], self.pids["mock"] = port, proc.pid
        _, _, body = fetch(port, "GET", "/__mock/apis", {}, b"")
        return {a["name"]: a["base_path"].rstrip("/") for a in json.loads(body)["apis"]}

    def start_mock_redis(self) -> None:
        """A redis-server (Debian's, installed if missing) and the mock with two workers on it."""
        redis_port = procs.free_port()
        redis = tools.ensure_apt("redis-server", "redis-server")
        argv = [redis, "--bind", "127.0.0.1", "--port", str(redis_port), "--save", ""]
        argv += ["--appendonly", "no", "--dir", str(WORK)]
        self.ps.start(argv, log=WORK / "redis.log", cwd=ROOT)
        port = procs.free_port()
        argv = [sys.executable, "-m", "mock_server", "--host", "127.0.0.1", "--port", str(port)]
        argv += ["--no-rate-limits", "--log-level", "warning", "--workers", str(SHARED_WORKERS)]
        argv += ["--store", f"redis://127.0.0.1:{redis_port}/0"]
        proc = self.ps.start(argv, log=WORK / "mock-redis.log", cwd=ROOT, env=_mock_env())
        procs.wait_http(port, "/__mock/health", proc, timeout=90)
        self.ports["mock-redis"], self.pids["mock-redis"] = port, proc.pid

    def start_ceiling(self, routes: list[dict[str, Any]]) -> None:
        port = procs.free_port()
        spec = WORK / "ceiling-routes.json"
        spec.write_text(json.dumps(routes), encoding="utf-8")
        argv = [sys.executable, "-m", "bench.ceiling", "--port", str(port), "--routes", str(spec)]
        proc = self.ps.start(argv, log=WORK / "ceiling.log", cwd=ROOT)
        procs.wait_http(port, "/", proc, timeout=60)
        self.ports["ceiling"], self.pids["ceiling"] = port, proc.pid

    def start_prism(self, spec: str) -> None:
        assert self.prism is not None
        port = procs.free_port()
        argv = [str(self.prism), "mock", "-h", "127.0.0.1", "-p", str(port)]
        argv += ["-v", self.args.prism_log, str(ROOT / "specs" / spec)]
        log = WORK / f"prism-{Path(spec).stem}.log"
        proc = self.ps.start(argv, log=log, cwd=ROOT)
        procs.wait_http(port, "/", proc, timeout=120)
        self.prism_ports[spec], self.prism_pids[spec] = port, proc.pid

    def where(self, server: str, case: Case, prefix: str) -> tuple[int, int, str]:
        """(port, pid, URL prefix) of ``server`` for ``case``."""
        if server == "prism":
            return self.prism_ports[case.spec], self.prism_pids[case.spec], ""
        if server == "ceiling":
            return self.ports["ceiling"], self.pids["ceiling"], f"/{case.name}"
        return self.ports[server], self.pids[server], prefix

    # --- measuring ---------------------------------------------------------------------------

    def measure(self, server: str, case: Case, request: Request, prefix: str) -> dict[str, Any]:
        port, pid, base = self.where(server, case, prefix)
        target = request.target(base)
        status, _, _ = fetch(port, request.method, target, request.headers, request.body)
        url = f"http://127.0.0.1:{port}{target}"
        work = WORK / "wrk" / server / case.name
        load.run(self.ps, self.wrk, url, request, self.load.warmup, self.load, work)
        cpu_before = procs.cpu_seconds(pid)
        result = load.run(self.ps, self.wrk, url, request, self.load.duration, self.load, work)
        cpu_after = procs.cpu_seconds(pid)
        result["cpu_us_per_request"] = (
            round((cpu_after - cpu_before) * 1e6 / result["requests"])
            if cpu_before is not None and cpu_after is not None and result["requests"]
            else None
        )
        result["status"] = status
        result["rss_mb"] = procs.rss_mb(pid)
        ok = 200 <= status < 400
        errors = sum(result[k] for k in ("connect", "read", "write", "timeout"))
        result["consistent"] = errors == 0 and (
            result["non_2xx"] == 0 if ok else result["non_2xx"] == result["requests"]
        )
        _say(
            f"{case.name:<24} {server:<8} {status} {result['rps']:>9,.0f} req/s  "
            f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms  "
            f"CPU {result['cpu_us_per_request']} µs/req  RSS {result['rss_mb']} MB"
            + ("" if result["consistent"] else "  (inconsistent)")
        )
        return result

    def profile(self, case: Case, request: Request, prefix: str) -> str:
        spy = tools.ensure_py_spy()
        seconds = self.args.profile_seconds
        port, pid, base = self.where("mock", case, prefix)
        raw = WORK / f"profile-{case.name}.txt"
        rate = 250
        argv = [spy, "record", "--pid", str(pid), "--rate", str(rate), "--function"]
        argv += ["--format", "raw", "--duration", str(seconds + 1), "--output", str(raw)]
        spy_proc = self.ps.start(argv, log=WORK / f"py-spy-{case.name}.log")
        time.sleep(0.5)
        url = f"http://127.0.0.1:{port}{request.target(base)}"
        # py-spy samples one second longer than wrk loads, so every request falls in the window.
        run = load.run(
            self.ps, self.wrk, url, request, seconds, self.load, WORK / "wrk" / "profile"
        )
        try:
            spy_proc.wait(timeout=30)
        finally:
            self.ps.stop(spy_proc)
        if not raw.exists():
            raise RuntimeError(f"py-spy wrote no profile; see {WORK / f'py-spy-{case.name}.log'}")
        out = OUTPUT / f"profile-{case.name}.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        title = f"Mock under {case.title} ({seconds} s of wrk, py-spy)"
        profile.write_summary(raw, out, title, run["requests"], rate)
        _say(
            f"profile summary: {out.relative_to(ROOT)} (collapsed stacks: {raw.relative_to(ROOT)})"
        )
        return str(out.relative_to(ROOT))

    def prepare(
        self, case: Case, request: Request, prefix: str, entry: dict[str, Any]
    ) -> dict[str, Any]:
        """Send the case's set-up and the request once to the mock; its answer is the ceiling's."""
        port = self.ports["mock"]
        for step in request.setup:
            if "mock-redis" in self.ports:  # the same state on the shared-state mock
                target = step.target(prefix)
                fetch(self.ports["mock-redis"], step.method, target, step.headers, step.body)
            status, _, body = fetch(port, step.method, step.target(prefix), step.headers, step.body)
            if status >= 300:
                note = f"set-up {step.method} {step.path} got {status}: {body[:200]!r}"
                entry.setdefault("notes", []).append(note)
                _say(f"{case.name}: {note}")
        target = request.target(prefix)
        status, ctype, body = fetch(port, request.method, target, request.headers, request.body)
        if status != case.expect:
            note = f"the mock answered {status}, expected {case.expect}: {body[:300]!r}"
            entry.setdefault("notes", []).append(note)
            _say(f"{case.name}: {note}")
        return {
            "method": request.method,
            "path": f"/{case.name}{request.path}",
            "status": status,
            "content_type": ctype,
            "body": body.decode(),
        }

    def run(self, selected: list[Case]) -> dict[str, Any]:
        built: dict[str, Request] = {}
        results: list[dict[str, Any]] = []
        served = self.start_mock()
        _say(f"mock serves: {', '.join(sorted(served)) or 'nothing'}")
        if "mock-redis" in self.servers:
            self.start_mock_redis()
        for case in selected:
            entry: dict[str, Any] = {"name": case.name, "title": case.title, "api": case.api}
            results.append(entry)
            if case.api not in served:
                entry["not_served"] = f"no {case.api} API in the mock yet"
                continue
            try:
                built[case.name] = casemod.build(case)
            except NotReady as exc:
                entry["not_served"] = str(exc)
                continue
            request = built[case.name]
            entry["request"] = {
                "method": request.method,
                "path": request.target(""),
                "body_bytes": len(request.body),
            }
        live = [c for c in selected if c.name in built]
        by_name = {e["name"]: e for e in results}
        routes = [self.prepare(c, built[c.name], served[c.api], by_name[c.name]) for c in live]
        if "ceiling" in self.servers and routes:
            self.start_ceiling(routes)
        prism_ok = self.prism is not None and "prism" in self.servers
        if prism_ok:
            for spec in sorted({c.spec for c in live}):
                try:
                    self.start_prism(spec)
                except (RuntimeError, TimeoutError) as exc:
                    _say(f"Prism did not start on {spec} ({exc}); see .cache/bench/prism-*.log")
        for case in live:
            request = built[case.name]
            entry = by_name[case.name]
            entry["expect"] = case.expect
            entry["servers"] = {}
            for server in SERVERS:
                if server not in self.servers or (server == "prism" and not prism_ok):
                    continue
                if server == "prism" and case.spec not in self.prism_ports:
                    continue
                try:
                    entry["servers"][server] = self.measure(server, case, request, served[case.api])
                except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                    _say(f"{case.name} {server}: {exc}")
                    entry.setdefault("notes", []).append(f"{server}: {exc}")
            runs = entry["servers"]
            mock_rps = (runs.get("mock") or {}).get("rps")
            entry["ratios"] = {
                "mock_vs_prism": report.ratio(mock_rps, (runs.get("prism") or {}).get("rps")),
                "mock_vs_ceiling": report.ratio(mock_rps, (runs.get("ceiling") or {}).get("rps")),
                "shared_vs_mock": report.ratio((runs.get("mock-redis") or {}).get("rps"), mock_rps),
            }
            entry["goals"] = report.goals(entry)
        profiles = []
        if self.args.profile:
            for case in live:
                if case.name in PROFILED:
                    profiles.append(self.profile(case, built[case.name], served[case.api]))
        return {"cases": results, "profiles": profiles}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for case in CASES:
            print(f"{case.name:<24} {case.method} {case.path}  ({case.title})")
        return 0
    wanted = [c for c in args.cases.split(",") if c]
    unknown = set(wanted) - {c.name for c in CASES}
    if unknown:
        raise SystemExit(f"bench: unknown case(s) {', '.join(sorted(unknown))}; see --list")
    selected = [c for c in CASES if not wanted or c.name in wanted]
    procs.sigterm_as_exit()
    WORK.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    load_before = [round(x, 2) for x in os.getloadavg()]
    if load_before[0] > 0.5:
        _say(f"load average {load_before[0]} before the run: other work will skew the numbers")
    with procs.Processes() as ps:
        bench = Bench(args, ps)
        measured = bench.run(selected)
        prism_bin = bench.prism
        wrk = bench.wrk
    data = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**tools.machine(), "loadavg_before": load_before},
        "versions": tools.versions(wrk, prism_bin),
        "conditions": {
            "load_generator": "wrk",
            "threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "mock": "python -m mock_server --no-rate-limits --log-level warning "
            "(AsyncApp, 1 uvicorn worker)",
            "mock-redis": f"the same with --workers {SHARED_WORKERS} --store redis:// "
            "(a local redis-server, no persistence)",
            "prism": f"prism mock -v {args.prism_log} <spec> (one process per spec)",
            "ceiling": "bench/ceiling.py: Starlette, the mock's own answer per case, no checks",
        },
        "goals": report.GOALS,
        **measured,
        "wall_s": round(time.monotonic() - started, 1),
    }
    previous = None
    earlier = args.out if args.out.exists() else RESULTS / "latest.json"
    if earlier.exists():
        try:
            previous = json.loads(earlier.read_text(encoding="utf-8"))
        except ValueError:
            previous = None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    m = data["machine"]
    v = data["versions"]
    print()
    print(
        f"{data['date']} · {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB · "
        f"Python {v['python']}, connexion {v['connexion']}, starlette {v['starlette']}, "
        f"uvicorn {v['uvicorn']} · Prism {v['prism']} (node {v['node']}) · {v['wrk']}"
    )
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s after a "
        f"{args.warmup:g} s warm-up; mock with --no-rate-limits; RSS = VmRSS after the run; "
        f"load average before: {load_before[0]}"
    )
    print()
    print(report.table(data["cases"]))
    print()
    print(report.cpu_table(data["cases"]))
    print()
    print(report.shared_table(data["cases"]))
    if previous:
        compared = report.comparison(previous, data["cases"])
        if compared:
            print()
            print(compared)
    print()
    print(f"written: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

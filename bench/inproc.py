"""``python -m bench.inproc``: CPU µs per request of the mock's assembly, in-process, no HTTP.

The bench's own cases are sent straight into the ASGI app (front door and all), so only the
mock's work is timed: no sockets, no uvicorn, no client. On a shared machine this is the steadier
figure for comparing two assemblies of the mock; wall-clock requests/s come from ``make bench``.

``--package`` names other copies of the ``mock_server`` package to measure in the same process
(for an A/B: ``git archive main mock_server | tar -x -C /tmp/ab --transform s/mock_server/old/``,
``grep -rl mock_server /tmp/ab/old | xargs sed -i 's/mock_server/old/g'`` so the copy imports
its own modules, then ``PYTHONPATH=/tmp/ab python -m bench.inproc --package mock_server,old``).
Rounds alternate between the packages, so load from other processes falls on both alike; the
ratio is printed.

``--floor`` also measures connexion's own layers as the mock assembles them, and nothing of the
mock's own per-request work: error handling, routing and request validation (the mock's cached
middleware and validators, refusals rendered by its error handlers), then a fixed ``{}``. No
front door, journal, gate (credentials, Prefer) or dispatcher (arguments, state, answer). What
the mock spends above it is its own; uvicorn's share is the ceiling's in ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from .cases import CASES, SPECS, Case, Request, build

App = Callable[..., Any]
FLOOR = "connexion floor"


def _runtime(package: str, kind: str = "async") -> Any:
    """``package``'s runtime as ``python -m mock_server --no-rate-limits`` builds it."""
    config = importlib.import_module(f"{package}.core.config")
    runtime_mod = importlib.import_module(f"{package}.world.runtime")
    return runtime_mod.build_runtime(
        config.Config(
            specs_dir=SPECS,
            credentials=SPECS / "sandbox-credentials.yaml",
            rate_limits=False,
            jwt_secret="bench-inproc",
            app_kind=kind,
        )
    )


def make_app(package: str, kind: str) -> tuple[App, Mapping[str, str]]:
    """The ASGI app as ``python -m mock_server --no-rate-limits`` builds it, and each API's
    base path by name."""
    runtime = _runtime(package, kind)
    app_mod = importlib.import_module(f"{package}.asgi.app")
    return app_mod.build_app(runtime), {a.name: a.base_path for a in runtime.apis}


def make_floor(package: str) -> tuple[App, Mapping[str, str]]:
    """Connexion's layers as ``package`` assembles them, answering ``{}`` once they let a
    request through (see ``--floor``)."""
    from connexion.middleware import ConnexionMiddleware
    from connexion.middleware.exceptions import ExceptionMiddleware
    from connexion.middleware.lifespan import LifespanMiddleware
    from connexion.middleware.routing import RoutingMiddleware
    from connexion.middleware.server_error import ServerErrorMiddleware
    from connexion.resolver import Resolver

    requestcheck = importlib.import_module(f"{package}.asgi.requestcheck")
    validation = importlib.import_module(f"{package}.checks.validation")
    errors = importlib.import_module(f"{package}.asgi.errors")
    runtime = _runtime(package)

    async def answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"2")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})

    app = ConnexionMiddleware(
        answer,
        import_name=__name__,
        middlewares=[
            ServerErrorMiddleware,
            ExceptionMiddleware,
            RoutingMiddleware,
            requestcheck.CachedRequestValidation,
            LifespanMiddleware,
        ],
        validator_map=validation.validator_map(),
    )
    unused = Resolver(lambda operation_id: lambda **kwargs: None)  # answer() answers instead
    for api in runtime.apis:
        app.add_api(api.spec, base_path=api.base_path, name=api.name, resolver=unused)
    errors.install(app, runtime)
    return app, {a.name: a.base_path for a in runtime.apis}


def _scope(request: Request, prefix: str, body: bytes) -> dict[str, Any]:
    path = f"{prefix}{request.path}"
    headers = [(k.lower().encode(), v.encode()) for k, v in request.headers.items()]
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": request.query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }


async def send_one(app: App, request: Request, prefix: str) -> int:
    """One request through the app; its status."""
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": request.body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(_scope(request, prefix, request.body), receive, send)
    return status


async def _round(app: App, request: Request, prefix: str, count: int) -> tuple[float, set[int]]:
    statuses = set()
    started = time.process_time()
    for _ in range(count):
        statuses.add(await send_one(app, request, prefix))
    return (time.process_time() - started) / count * 1e6, statuses


async def measure(
    apps: Mapping[str, tuple[App, Mapping[str, str]]], case: Case, count: int, rounds: int
) -> dict[str, float]:
    request = build(case)
    for app, bases in apps.values():
        for setup in request.setup:
            await send_one(app, setup, bases[case.api])
        await _round(app, request, bases[case.api], max(50, count // 5))  # warm-up
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, (app, bases) in apps.items():
            micros, statuses = await _round(app, request, bases[case.api], count)
            if statuses != {case.expect} and name != FLOOR:
                raise SystemExit(f"{name} {case.name}: answered {statuses}, not {case.expect}")
            best[name] = min(best.get(name, micros), micros)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc", description=__doc__)
    parser.add_argument("--package", default="mock_server", help="comma-separated packages")
    parser.add_argument("--kind", default="async", choices=["async", "flask"])
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--count", type=int, default=300, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best one counts")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure connexion's layers alone (routing, validation, errors), last column",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    packages = args.package.split(",")
    apps = {p: make_app(p, args.kind) for p in packages}
    if args.floor:
        apps[FLOOR] = make_floor(packages[0])
    gc.collect()
    gc.freeze()
    wanted = set(args.cases.split(",")) if args.cases else None
    columns = [*packages, *([FLOOR] if args.floor else [])]
    head = " | ".join(f"{p} µs" for p in columns)
    ratio_head = f" {packages[0]} ÷ {packages[1]} |" if len(packages) > 1 else ""
    print(f"| case | {head} |{ratio_head}")
    for case in CASES:
        if wanted is not None and case.name not in wanted:
            continue
        best = asyncio.run(measure(apps, case, args.count, args.rounds))
        cells = " | ".join(f"{best[p]:,.0f}" for p in columns)
        ratio = f" {best[packages[0]] / best[packages[1]]:.2f} |" if len(packages) > 1 else ""
        print(f"| {case.name} | {cells} |{ratio}", flush=True)


if __name__ == "__main__":
    main()

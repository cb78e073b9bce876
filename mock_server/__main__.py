"""``python -m mock_server``: serve every partner API (or one, with ``--spec``) with uvicorn."""

from __future__ import annotations

import gc
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

import uvicorn
import yaml
from uvicorn.supervisors import Multiprocess

from mock_server.asgi.protocol import Guard, protocol_class
from mock_server.core.config import Config, from_sources
from mock_server.core.profile import ProfileError
from mock_server.world.runtime import Runtime, build_runtime


def banner(runtime: Runtime, config: Config) -> str:
    """What a partner needs to start: base URLs, docs URLs and sandbox credentials."""
    origin = f"http://{config.host}:{config.port}"
    lines = [f"partner-contracts mock ({config.app_kind}) on {origin}", ""]
    for api in runtime.apis:
        base = f"{origin}{api.base_path}"
        lines += [
            f"  {api.profile.title}",
            f"    base URL : {base}",
            f"    docs     : {base}/ui/   spec: {base}/openapi.json",
        ]
        for cred in api.credentials:
            shown = {k: v for k, v in cred.items() if k != "name"}
            flow = yaml.safe_dump(shown, default_flow_style=True, width=10_000).strip()
            lines.append(f"    sandbox  : {cred.get('name')}: {flow}")
        lines.append("")
    lines += [
        f"  journal  : {origin}/__mock/requests   health: {origin}/__mock/health",
        f"  reset    : POST {origin}/__mock/reset",
        f"  credentials file: {config.credentials}",
    ]
    if config.admin_token_generated:
        # Printed here once; never logged again (Config's repr leaves it out).
        lines += [
            f"  admin token (generated; pass --admin-token to choose one): {config.admin_token}",
            "    admin routes need 'Authorization: Bearer <admin token>', or a partner's own"
            " API credential for its own view",
        ]
    elif config.admin_token:
        lines.append("  admin routes: need the admin token, or a partner's own API credential")
    return "\n".join(lines)


def uvicorn_config(
    app: Any, config: Config, note: Callable[[dict[str, Any]], None] | None = None
) -> uvicorn.Config:
    """uvicorn's settings from ours: its own keep-alive, concurrency and shutdown limits, h11's
    header bound, and our protocol subclass (protocol.py) for what uvicorn lacks."""
    guard = Guard.for_limits(config.max_header_bytes, config.header_timeout, note)
    settings = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_level=config.log_level,
        access_log=False,
        factory=config.workers > 1,
        workers=config.workers,
        http=protocol_class(config.http),
        timeout_keep_alive=config.keep_alive_timeout,  # type: ignore[arg-type]
        limit_concurrency=config.limit_concurrency,
        timeout_graceful_shutdown=config.graceful_timeout,  # type: ignore[arg-type]
        # h11's own bound a read above ours, so that ours answers first (431, not h11's 400)
        h11_max_incomplete_event_size=guard.hard_bytes + 65_536,
    )
    settings.mock_guard = guard  # type: ignore[attr-defined]  # read by protocol.py
    return settings


def serve(app: Any, config: Config, note: Callable[[dict[str, Any]], None] | None = None) -> None:
    """What ``uvicorn.run`` does for one process or ``--workers N``, with our settings."""
    settings = uvicorn_config(app, config, note)
    server = uvicorn.Server(settings)
    if settings.workers > 1:
        Multiprocess(settings, sockets=[settings.bind_socket()]).run()
    else:
        server.run()
    if not server.started and settings.workers == 1:
        raise SystemExit(3)  # uvicorn's STARTUP_FAILURE: e.g. the port is taken


def worker_app() -> object:
    """The app of one uvicorn worker (``--workers N``): each worker process builds its own
    runtime from the same command line and environment; state lives in the shared store."""
    from mock_server.asgi.app import build_app

    return build_app(build_runtime(from_sources(sys.argv[1:], os.environ)))


def main(argv: list[str] | None = None) -> None:
    # connexion imports starlette's test client at start-up, which warns about httpx; the
    # warning is about connexion's imports, not about anything a partner can act on.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from mock_server.asgi.app import (
        build_app,  # after the filter: importing connexion is what warns
    )

    config = from_sources(sys.argv[1:] if argv is None else argv, os.environ)
    try:
        runtime = build_runtime(config)
        app = build_app(runtime)
    except ProfileError as exc:  # a profile mistake stops start-up with its file and key
        raise SystemExit(str(exc)) from exc
    print(banner(runtime, config), flush=True)
    # Everything built so far (specs, compiled validators, connexion's routes) lives for the
    # whole run: moved out of the collector's generations, it is no longer re-scanned by every
    # collection, which otherwise shows up as long tail latencies under load.
    if config.workers > 1:
        # Workers start from the same argv; what the parent made up (the admin token, the
        # JWT secret) reaches them through their environment, so all N agree on it.
        os.environ["MOCK_JWT_SECRET"] = config.jwt_secret
        if config.admin_token:
            os.environ["MOCK_ADMIN_TOKEN"] = config.admin_token
        serve("mock_server.__main__:worker_app", config)
        return
    gc.collect()
    gc.freeze()
    serve(app, config, lambda e: runtime.journal.record({"time": runtime.clock(), **e}))


if __name__ == "__main__":
    main()

"""Configuration, read in one place (``from_sources``) and passed down; nothing else reads the
environment."""

from __future__ import annotations

import argparse
import ipaddress
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Config:
    specs_dir: Path = ROOT / "specs"
    spec: Path | None = None  # serve only this spec, at the root
    host: str = "127.0.0.1"
    port: int = 8080
    app_kind: str = "async"  # "async" (connexion AsyncApp) or "flask" (connexion FlaskApp)
    credentials: Path = ROOT / "specs" / "sandbox-credentials.yaml"
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    jwt_ttl: int = 3600
    rate_limits: bool = True
    rate_limit_overrides: Mapping[str, str] = field(default_factory=dict)  # api -> "1000/second"
    journal_size: int = 500
    journal_body_bytes: int = 2048
    journal_bytes: int = 4 << 20  # the journal's total JSON size; oldest entries leave first
    journal_entry_bytes: int = 8192  # one entry (request or callback attempt), cut beyond
    max_items: int = 10_000  # per collection of a namespace
    # the store's budgets (mock_server/state/store.py): bytes of stored JSON, namespaces per
    # credential
    store_credential_bytes: int = 64 << 20
    store_namespace_bytes: int = 16 << 20
    store_tenants: int = 100
    log_level: str = "warning"
    # connections (mock_server/asgi/protocol.py, frontdoor.py; __main__.py hands the rest to
    # uvicorn)
    max_header_bytes: int = 16_384  # request line + headers; more gets 431 in the envelope
    max_headers: int = 100
    header_timeout: float = 10.0  # from connection (or end of the last answer) to headers read
    body_timeout: float = 30.0  # from headers read to the last body byte; then 408
    keep_alive_timeout: float = 5.0  # idle between requests (uvicorn's timeout_keep_alive)
    limit_concurrency: int | None = 1000  # connections + tasks; more get uvicorn's 503
    graceful_timeout: float = 10.0  # SIGTERM: drain this long, then cancel and close
    http: str = "auto"  # uvicorn's HTTP parser: httptools (auto, when installed) or h11
    store: str = "memory://"  # or redis://host:port/db: state shared by workers and hosts
    workers: int = 1
    # admin routes (mock_server/asgi/admin.py): None leaves them open, as on a loopback-only mock
    admin_token: str | None = field(default=None, repr=False)
    admin_token_generated: bool = False  # made up at start-up: printed once, in the banner
    # callbacks (mock_server/outbound/callbacks.py, egress.py)
    callback_allow: tuple[str, ...] = ("127.0.0.0/8", "::1", "localhost")  # networks, host names
    callback_allow_private: bool = False  # private, link-local, CGNAT, unique-local receivers
    callback_loopback_ports: tuple[int, ...] = ()  # loopback receivers only on these ports
    callback_ca_file: Path | None = None  # trusted besides the system CAs
    callback_delay: float = 1.0  # seconds of "processing" before the first attempt
    callback_backoff: float = 1.0  # retry n waits backoff * 2**(n-1)
    callback_retries: int = 3
    callback_timeout: float = 5.0
    callback_journal_size: int = 500
    callback_journal_bytes: int = 4 << 20
    callback_queue_size: int = 1000
    callback_workers: int = 4


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the mock reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _env_flags(
    group: argparse._ArgumentGroup,
    environ: Mapping[str, str],
    rows: Sequence[tuple[str, str, type, float | None, str]],
) -> None:
    """A table of flags, each defaulting to its environment variable, else to Config's value."""
    for flag, env, kind, default, text in rows:
        group.add_argument(flag, type=kind, default=kind(environ.get(env, str(default))), help=text)


def from_sources(argv: Sequence[str], environ: Mapping[str, str]) -> Config:
    """Command line over environment over defaults."""
    parser = argparse.ArgumentParser(prog="python -m mock_server", description=__doc__)
    parser.add_argument("--spec", type=Path, help="serve only this spec, at the root")
    parser.add_argument("--specs-dir", type=Path, default=environ.get("MOCK_SPECS_DIR"))
    parser.add_argument("--host", default=environ.get("MOCK_HOST", Config.host))
    parser.add_argument("--port", type=int, default=environ.get("MOCK_PORT", str(Config.port)))
    parser.add_argument(
        "--app",
        dest="app_kind",
        choices=["async", "flask"],
        default=environ.get("MOCK_APP", "async"),
    )
    parser.add_argument("--credentials", type=Path, default=environ.get("MOCK_CREDENTIALS"))
    parser.add_argument("--no-rate-limits", action="store_true", help="disable every rate limit")
    parser.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        metavar="API=LIMIT",
        help="replace an API's limits, e.g. zipteams=1000/minute (repeatable)",
    )
    parser.add_argument("--journal-size", type=int, default=Config.journal_size)
    parser.add_argument(
        "--store",
        default=environ.get("MOCK_STORE", Config.store),
        help="memory:// (default) or redis://host:port/db to share state between processes",
    )
    _env_flags(parser.add_argument_group("memory: journal and store bounds"), environ, (
        ("--journal-bytes", "MOCK_JOURNAL_BYTES", int, Config.journal_bytes,
         "total bytes the request journal keeps (and the callback journal, each)"),
        ("--journal-entry-bytes", "MOCK_JOURNAL_ENTRY_BYTES", int, Config.journal_entry_bytes,
         "bytes one journal entry keeps; a longer one is cut with a 'truncated' marker"),
        ("--store-credential-bytes", "MOCK_STORE_CREDENTIAL_BYTES", int,
         Config.store_credential_bytes,
         "stored bytes (JSON) one credential may hold in one API; writes over it are refused"),
        ("--store-namespace-bytes", "MOCK_STORE_NAMESPACE_BYTES", int,
         Config.store_namespace_bytes,
         "stored bytes one namespace (credential plus tenant ids) may hold"),
        ("--store-tenants", "MOCK_STORE_TENANTS", int, Config.store_tenants,
         "namespaces (tenant ids) one credential may hold data in, per API"),
    ))  # fmt: skip
    parser.add_argument(
        "--workers",
        type=int,
        default=environ.get("MOCK_WORKERS", str(Config.workers)),
        help="uvicorn worker processes (more than one needs --store redis://)",
    )
    parser.add_argument(
        "--admin-token",
        default=environ.get("MOCK_ADMIN_TOKEN"),
        help="bearer token for /__mock/* (all but health); generated when binding a "
        "non-loopback address without one",
    )
    parser.add_argument("--log-level", default=environ.get("MOCK_LOG_LEVEL", "warning"))
    parser.add_argument(
        "--http",
        choices=["auto", "httptools", "h11"],
        default=environ.get("MOCK_HTTP", Config.http),
        help="uvicorn's HTTP implementation (auto: httptools when installed)",
    )
    _env_flags(parser.add_argument_group("connection limits and timeouts"), environ, (
        ("--max-header-bytes", "MOCK_MAX_HEADER_BYTES", int, Config.max_header_bytes,
         "bytes of request line + headers; more is answered 431"),
        ("--max-headers", "MOCK_MAX_HEADERS", int, Config.max_headers,
         "header fields per request; more is answered 431"),
        ("--timeout-header", "MOCK_TIMEOUT_HEADER", float, Config.header_timeout,
         "seconds to receive a request's headers; then the connection is closed"),
        ("--timeout-body", "MOCK_TIMEOUT_BODY", float, Config.body_timeout,
         "seconds to receive a request's body once its headers are in; then 408"),
        ("--timeout-keep-alive", "MOCK_TIMEOUT_KEEP_ALIVE", float, Config.keep_alive_timeout,
         "seconds an idle connection stays open between requests"),
        ("--limit-concurrency", "MOCK_LIMIT_CONCURRENCY", int, Config.limit_concurrency,
         "connections + requests in flight; more are answered 503 (0: no cap)"),
        ("--graceful-timeout", "MOCK_GRACEFUL_TIMEOUT", float, Config.graceful_timeout,
         "on SIGTERM, seconds to let requests in flight finish before closing them"),
    ))  # fmt: skip
    parser.add_argument(
        "--callback-allow",
        action="append",
        metavar="HOST|NETWORK",
        help="host name (*.example.com) or network callbacks may reach (repeatable; replaces "
        "the default: loopback only)",
    )
    parser.add_argument(
        "--callback-allow-private",
        action="store_true",
        default=environ.get("MOCK_CALLBACK_ALLOW_PRIVATE", "") not in ("", "0", "false"),
        help="let callbacks reach private, link-local, CGNAT and unique-local addresses "
        "(never the cloud metadata ones)",
    )
    parser.add_argument(
        "--callback-loopback-ports",
        default=environ.get("MOCK_CALLBACK_LOOPBACK_PORTS", ""),
        metavar="PORT,PORT",
        help="the only ports callbacks may reach on loopback, e.g. 8443,9000 (default: none)",
    )
    parser.add_argument(
        "--callback-ca-file", type=Path, help="a CA (PEM) trusted for callback receivers"
    )
    parser.add_argument("--callback-delay", type=float, default=Config.callback_delay)
    parser.add_argument("--callback-backoff", type=float, default=Config.callback_backoff)
    parser.add_argument("--callback-timeout", type=float, default=Config.callback_timeout)
    args = parser.parse_args(list(argv))
    if any("=" not in item for item in args.rate_limit):
        parser.error("--rate-limit takes API=LIMIT, e.g. zipteams=1000/minute")
    overrides = dict(item.split("=", 1) for item in args.rate_limit)
    if (
        min(args.max_header_bytes, args.max_headers) < 1
        or min(
            args.timeout_header, args.timeout_body, args.timeout_keep_alive, args.graceful_timeout
        )
        <= 0
    ):
        parser.error("header limits and timeouts must be positive")
    if not args.store.startswith(("memory://", "redis://", "rediss://", "unix://")):
        parser.error("--store takes memory:// or redis://host:port/db")
    if args.workers < 1 or (args.workers > 1 and args.store.startswith("memory://")):
        parser.error("--workers N above 1 needs --store redis://... (workers share state there)")
    try:
        ports = tuple(int(p) for p in args.callback_loopback_ports.split(",") if p.strip())
    except ValueError:
        parser.error("--callback-loopback-ports takes port numbers, e.g. 8443,9000")
    if any(not 0 < p < 65536 for p in ports):
        parser.error("--callback-loopback-ports takes ports from 1 to 65535")
    budgets = (args.store_credential_bytes, args.store_namespace_bytes, args.store_tenants)
    if min(budgets) < 1:
        parser.error("--store-credential-bytes, -namespace-bytes, -tenants take N >= 1")
    kwargs: dict[str, object] = {
        "spec": args.spec.resolve() if args.spec else None,
        "host": args.host,
        "port": args.port,
        "app_kind": args.app_kind,
        "rate_limits": not args.no_rate_limits,
        "rate_limit_overrides": overrides,
        "journal_size": args.journal_size,
        "journal_bytes": args.journal_bytes,
        "journal_entry_bytes": args.journal_entry_bytes,
        "callback_journal_bytes": args.journal_bytes,
        "log_level": args.log_level,
        "max_header_bytes": args.max_header_bytes,
        "max_headers": args.max_headers,
        "header_timeout": args.timeout_header,
        "body_timeout": args.timeout_body,
        "keep_alive_timeout": args.timeout_keep_alive,
        "limit_concurrency": args.limit_concurrency or None,
        "graceful_timeout": args.graceful_timeout,
        "http": args.http,
        "store": args.store,
        "workers": args.workers,
        "store_credential_bytes": args.store_credential_bytes,
        "store_namespace_bytes": args.store_namespace_bytes,
        "store_tenants": args.store_tenants,
        "callback_allow_private": args.callback_allow_private,
        "callback_loopback_ports": ports,
        "callback_delay": args.callback_delay,
        "callback_backoff": args.callback_backoff,
        "callback_timeout": args.callback_timeout,
    }
    if args.admin_token:
        kwargs["admin_token"] = args.admin_token
    elif not is_loopback(args.host):
        # Reachable from other machines: never leave other partners' journals open.
        kwargs["admin_token"] = secrets.token_urlsafe(32)
        kwargs["admin_token_generated"] = True
    if args.callback_allow:
        kwargs["callback_allow"] = tuple(args.callback_allow)
    if args.callback_ca_file:
        kwargs["callback_ca_file"] = args.callback_ca_file.resolve()
    if args.specs_dir:
        kwargs["specs_dir"] = Path(args.specs_dir).resolve()
    if args.credentials:
        kwargs["credentials"] = Path(args.credentials).resolve()
    if environ.get("MOCK_JWT_SECRET"):
        kwargs["jwt_secret"] = environ["MOCK_JWT_SECRET"]
    return Config(**kwargs)  # type: ignore[arg-type]

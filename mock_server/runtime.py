"""The mock's loaded world: APIs (spec + profile), credentials, store, limiter, journal, clock.

Built once from a :class:`~mock_server.config.Config`; every adapter gets it passed in.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from . import callbacks
from .auth import Authenticator
from .config import Config
from .egress import Scheduler
from .journal import Journal
from .profile import Profile, RateRule, load_profile
from .ratelimit import RateLimiter
from .specindex import Operation, index_operations, load_spec, path_methods
from .store import MemoryStore, Store


@dataclass
class Api:
    profile: Profile
    doc: dict[str, Any]
    operations: Mapping[str, Operation]
    base_path: str  # where this API is mounted ("" at the root)
    credentials: list[dict[str, Any]]
    path_methods: list[tuple[re.Pattern[str], tuple[str, ...]]] = field(default_factory=list)
    jwt_secret: str = ""
    _authenticator: Authenticator | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.profile.name

    @property
    def schemes(self) -> Mapping[str, Mapping[str, Any]]:
        return self.doc.get("components", {}).get("securitySchemes", {})  # type: ignore[no-any-return]

    def allowed_methods(self, path: str) -> tuple[str, ...]:
        """The methods the spec documents on ``path`` (relative to the API's base path)."""
        relative = path[len(self.base_path) :] or "/"
        for pattern, methods in self.path_methods:
            if pattern.match(relative):
                return methods
        return ()

    @property
    def authenticator(self) -> Authenticator:
        """The API's credential checks (built on first use; the API's data never changes)."""
        if self._authenticator is None:
            self._authenticator = Authenticator(
                self.schemes, self.profile.auth, self.credentials, self.jwt_secret
            )
        return self._authenticator

    @property
    def secret_headers(self) -> frozenset[str]:
        """Header names that carry secrets: every apiKey header but those that only partition."""
        partitions = {rule.scheme for rule in self.profile.auth if rule.partition}
        return frozenset(
            s["name"].lower()
            for name, s in self.schemes.items()
            if s.get("type") == "apiKey" and s.get("in") == "header" and name not in partitions
        )


@dataclass
class Runtime:
    config: Config
    apis: list[Api]
    store: Store
    limiter: RateLimiter
    journal: Journal
    clock: Callable[[], float] = time.time
    extras: dict[str, Any] = field(default_factory=dict)

    def api_by_base(self, base_path: str | None) -> Api | None:
        for api in self.apis:
            if api.base_path == (base_path or ""):
                return api
        return None

    def api_for_path(self, path: str) -> Api | None:
        """The API whose prefix holds ``path`` (longest prefix), or the only API at the root."""
        best: Api | None = None
        for api in self.apis:
            base = api.base_path
            if (not base or path == base or path.startswith(base + "/")) and (
                best is None or len(base) > len(best.base_path)
            ):
                best = api
        return best

    def reset(self) -> None:
        self.store.clear()
        self.limiter.reset()
        self.journal.clear()
        for hook in self.extras.get("reset", []):
            hook()


def server_path(doc: Mapping[str, Any]) -> str:
    servers = doc.get("servers") or [{"url": ""}]
    return str(urlsplit(str(servers[0].get("url", ""))).path).rstrip("/")


def profile_paths(config: Config) -> list[Path]:
    profiles = sorted((config.specs_dir / "profiles").glob("*.yaml"))
    if config.spec is not None:
        profiles = [p for p in profiles if load_profile(p).spec_path == config.spec.resolve()]
        if not profiles:
            raise SystemExit(
                f"no profile in {config.specs_dir / 'profiles'} names spec {config.spec}"
            )
    return profiles


def build_runtime(
    config: Config, clock: Callable[[], float] = time.time, scheduler: Scheduler | None = None
) -> Runtime:
    """``scheduler``: where background work (callbacks) runs; a worker thread by default."""
    creds = yaml.safe_load(config.credentials.read_text(encoding="utf-8")) or {}
    apis = []
    for path in profile_paths(config):
        profile = load_profile(path)
        doc = load_spec(profile.spec_path)
        # One spec alone is served at its own server path (Zipteams: /api/v1), so a partner
        # swaps only scheme and host; all specs together are each served under their prefix.
        base = server_path(doc) if config.spec is not None else profile.prefix
        apis.append(
            Api(
                profile,
                doc,
                index_operations(doc),
                base,
                list(creds.get(profile.name, [])),
                path_methods(doc),
                config.jwt_secret,
            )
        )
    # Disabled limits are not enforced, but documented rate-limit headers still come out (with
    # the documented limit, never spent); an API without such headers then needs no rules.
    rules: dict[str, list[RateRule]] = {}
    for api in apis:
        override = config.rate_limit_overrides.get(api.name)
        if not config.rate_limits and not api.profile.rate_limit_headers:
            continue
        rules[api.name] = [
            replace(r, limit=override) if override else r for r in api.profile.rate_limits
        ]
    store: Store = MemoryStore(config.max_namespaces, config.max_items)
    journal = Journal(config.journal_size, config.journal_bytes, config.journal_entry_bytes)
    storage = None
    client = None
    if not config.store.startswith("memory://"):
        from limits.storage import RedisStorage

        from . import redisstore  # only with --store redis://: `make mock` needs no Redis

        client = redisstore.connect(config.store)
        store = redisstore.RedisStore(client, max_items=config.max_items)
        journal = redisstore.RedisJournal(
            client,
            "mock:journal",
            config.journal_size,
            config.journal_bytes,
            config.journal_entry_bytes,
        )
        storage = RedisStorage(config.store, wrap_exceptions=True, socket_timeout=2.0)
    runtime = Runtime(
        config=config,
        apis=apis,
        store=store,
        limiter=RateLimiter(rules, clock, enforce=config.rate_limits, storage=storage),
        journal=journal,
        clock=clock,
    )
    installed = callbacks.install(runtime, scheduler)
    if client is not None:
        installed.dispatcher.journal = redisstore.RedisJournal(
            client,
            "mock:callbacks",
            config.callback_journal_size,
            config.callback_journal_bytes,
            config.journal_entry_bytes,
        )
    return runtime

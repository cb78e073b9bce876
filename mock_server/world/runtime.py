"""The mock's loaded world: APIs (spec + profile), credentials, store, limiter, journal, clock.

Built once from a :class:`~mock_server.core.config.Config`; every adapter gets it passed in.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from mock_server.checks.ratelimit import RateLimiter
from mock_server.core.config import Config
from mock_server.core.profile import RateRule, load_profile
from mock_server.core.specindex import index_operations, load_spec, path_methods
from mock_server.outbound import callbacks
from mock_server.outbound.callbacks import Callbacks
from mock_server.outbound.egress import Scheduler
from mock_server.rules.api import Api
from mock_server.rules.auth import owner_of
from mock_server.state.journal import Journal
from mock_server.state.store import Budget, Index, MemoryStore, Store

Listener = Callable[[str, str, str, list[Any]], None]


@dataclass
class Runtime:
    config: Config
    apis: list[Api]
    store: Store
    limiter: RateLimiter
    journal: Journal
    clock: Callable[[], float] = time.time
    # Who hears of items a state action accepted for the first time (callbacks.py's listener),
    # with plain arguments: (api name, operationId, credential name, items).
    ingested: list[Listener] = field(default_factory=list)
    reset_hooks: list[Callable[[], None]] = field(default_factory=list)
    callbacks: Callbacks | None = None  # None: not installed (the admin route answers 404)

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
        for hook in self.reset_hooks:
            hook()


def list_indexes(apis: list[Api]) -> dict[str, list[Index]]:
    """The sorted indexes the store keeps, per collection: for every ``list`` state action,
    each subset of its filter fields (as a request may give any of them) with each field it may
    sort by (``order_by``, or each of ``order_fields`` when a query parameter chooses)."""
    out: dict[str, list[Index]] = {}
    for api in apis:
        for entry in api.profile.state.values():
            if entry.get("action") != "list":
                continue
            fields = list(entry.get("filters", {}).values())
            sorts = entry.get("order_fields") or [entry.get("order_by", "created_at")]
            found = out.setdefault(entry["collection"], [])
            for count in range(len(fields) + 1):
                for chosen in itertools.combinations(fields, count):
                    for sort in sorts:
                        if (chosen, str(sort)) not in found:
                            found.append((chosen, str(sort)))
    return out


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
        # One spec alone is served at its own server path (its server URL's path, e.g. /api/v1),
        # so a partner swaps only scheme and host; all specs together each under their prefix.
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
    budget = Budget(
        config.store_credential_bytes, config.store_namespace_bytes, config.store_tenants
    )
    indexes = list_indexes(apis)
    storage = None
    store: Store
    journal: Journal
    callback_journal: Journal
    if config.store.startswith("memory://"):
        store = MemoryStore(config.max_items, budget, owner_of, indexes)
        journal = Journal(config.journal_size, config.journal_bytes, config.journal_entry_bytes)
        callback_journal = Journal(
            config.callback_journal_size, config.callback_journal_bytes, config.journal_entry_bytes
        )
    else:
        from limits.storage import RedisStorage

        from mock_server.state import (
            redisstore,  # only with --store redis://: `make mock` needs no Redis
        )

        client = redisstore.connect(config.store)
        store = redisstore.RedisStore(
            client, max_items=config.max_items, budget=budget, owner=owner_of, indexes=indexes
        )
        journal = redisstore.RedisJournal(
            client,
            "mock:journal",
            config.journal_size,
            config.journal_bytes,
            config.journal_entry_bytes,
        )
        callback_journal = redisstore.RedisJournal(
            client,
            "mock:callbacks",
            config.callback_journal_size,
            config.callback_journal_bytes,
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
    # The composition root: callbacks know nothing of the runtime; they are wired in here.
    installed = callbacks.build(config, apis, clock, callback_journal, scheduler)
    runtime.callbacks = installed
    runtime.ingested.append(installed.on_accepted)
    runtime.reset_hooks.append(installed.reset)
    return runtime

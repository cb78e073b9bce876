"""The in-memory store: bounded, isolated, and atomic where a request reads then writes."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.asgi.app import build_app
from mock_server.core.config import Config
from mock_server.core.problems import Rejection
from mock_server.rules.auth import owner_of
from mock_server.state.store import MemoryStore
from mock_server.world.runtime import build_runtime
from tests.conftest import CREDENTIALS, ns


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Make the interpreter switch threads as often as it can, to expose races."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_update_is_one_step_across_threads(busy_switching: None) -> None:
    store = MemoryStore()

    def bump(current: dict[str, Any] | None) -> dict[str, Any]:
        return {"n": (current or {"n": 0})["n"] + 1}

    def worker() -> None:
        for _ in range(500):
            store.update("ns", "c", "k", bump)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("ns", "c", "k") == {"n": 4000}


def test_update_that_raises_changes_nothing() -> None:
    store = MemoryStore()
    store.put("ns", "c", "k", {"v": 1})

    def refuse(current: dict[str, Any] | None) -> dict[str, Any]:
        raise ValueError("no")

    with pytest.raises(ValueError):
        store.update("ns", "c", "k", refuse)
    assert store.get("ns", "c", "k") == {"v": 1}


def test_many_namespaces_never_evict_another_owners_data() -> None:
    """No eviction across namespaces: 1,000 tenants of one owner leave another's state alone
    (the tenant cap refuses the owner's 101st tenant instead)."""
    store = MemoryStore(owner=owner_of)
    store.put(ns("voice", "other"), "calls", "c-1", {"v": 1})
    refused = 0
    for tenant in range(1000):
        try:
            store.put(ns("zipteams", "sandbox", str(tenant), "s"), "calls", "k", {"v": tenant})
        except Rejection as exc:
            assert exc.situation == "storage_full" and exc.params == {"limit": "tenants"}
            refused += 1
    assert refused == 900
    assert store.get(ns("voice", "other"), "calls", "c-1") == {"v": 1}
    assert store.get(ns("zipteams", "sandbox", "0", "s"), "calls", "k") == {"v": 0}


def test_concurrent_calls_never_spend_the_same_balance(busy_switching: None) -> None:
    """100 PKR at 2.5 a call: exactly 40 of 60 concurrent calls are placed (FlaskApp threads).

    The client runs the app's lifespan start-up first, as uvicorn does: connexion builds its
    middleware stack then, not on the first (here: eight concurrent) requests.
    """
    app = build_app(build_runtime(Config(jwt_secret="t", app_kind="flask", rate_limits=False)))
    headers = {"Authorization": f"Bearer {CREDENTIALS['voice'][0]['api_key']}"}
    body = {"phone_number": "03001234567", "audio_id": "550e8400-e29b-41d4-a716-446655440000"}
    with TestClient(app) as client:

        def place(_: int) -> int:
            return client.post("/voice/api/v1/calls", json=body, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(place, range(60)))
        assert statuses.count(201) == 40 and statuses.count(403) == 20
        assert client.get("/voice/api/v1/balance", headers=headers).json()["balance"] == 0

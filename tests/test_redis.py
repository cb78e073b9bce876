"""State on a real Redis (started by the test session, tests/redis_server.py): the store contract
against both stores, two mock processes acting as one, one rate-limit budget across them, and a
Redis restart mid-run."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mock_server.core.problems import Rejection
from mock_server.rules.auth import owner_of
from mock_server.state.redisstore import RedisStore, connect
from mock_server.state.store import Budget, MemoryStore, Store
from tests.conftest import CREDENTIALS, Mock, make_mock, ns
from tests.mock.test_voice import AUTH as VOICE_AUTH
from tests.mock.test_voice import CALL
from tests.mock.test_zipteams import HEADERS, URL, item
from tests.server import mock_process

ZT_NS = ns("zipteams", "sandbox", "tenant1", "subtenant1")
ZIETT_KEY = {"X-API-Key": CREDENTIALS["ziett"][0]["api_key"]}


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore(max_items=3)
    else:
        url = request.getfixturevalue("redis_url")
        yield RedisStore(connect(url), max_items=3)


# --- the store contract, against both stores ---------------------------------------------------


def test_put_get_and_insertion_order(store: Store) -> None:
    assert store.get("ns", "c", "a") is None
    store.put("ns", "c", "a", {"v": 1})
    store.put("ns", "c", "b", {"v": 2})
    store.put("ns", "c", "a", {"v": 3})  # a write moves the item to the end
    assert store.get("ns", "c", "a") == {"v": 3}
    assert store.items("ns", "c") == [{"v": 2}, {"v": 3}]
    assert store.items("other", "c") == [] and store.get("other", "c", "a") is None


def test_add_is_idempotent(store: Store) -> None:
    assert store.add("ns", "c", "k", {"v": 1}) is True
    assert store.add("ns", "c", "k", {"v": 2}) is False
    assert store.items("ns", "c") == [{"v": 1}]


def test_delete_removes_one_item_and_says_whether_it_was_there(store: Store) -> None:
    store.put("ns", "c", "a", {"v": 1})
    store.put("ns", "c", "b", {"v": 2})
    assert store.delete("ns", "c", "a") is True
    assert store.delete("ns", "c", "a") is False
    assert store.get("ns", "c", "a") is None
    assert store.items("ns", "c") == [{"v": 2}]
    assert store.delete("other", "c", "b") is False


def test_collections_are_capped_oldest_first(store: Store) -> None:
    for key in "abcde":
        store.put("ns", "c", key, {"k": key})
    assert [i["k"] for i in store.items("ns", "c")] == ["c", "d", "e"]
    assert store.get("ns", "c", "a") is None


def test_update_is_one_step_across_threads(store: Store) -> None:
    def bump(current: dict[str, Any] | None) -> dict[str, Any]:
        return {"n": (current or {"n": 0})["n"] + 1}

    def worker() -> None:
        for _ in range(100):
            store.update("ns", "c", "k", bump)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.get("ns", "c", "k") == {"n": 600}


def test_update_that_raises_changes_nothing(store: Store) -> None:
    store.put("ns", "c", "k", {"v": 1})

    def refuse(current: dict[str, Any] | None) -> dict[str, Any]:
        raise ValueError("no")

    with pytest.raises(ValueError):
        store.update("ns", "c", "k", refuse)
    assert store.get("ns", "c", "k") == {"v": 1}


# A small budget: 2 tenants per owner, 60 bytes per namespace, 100 per owner. ``{"v": 1}`` is
# 8 bytes of JSON; ``{"v": "x..."}`` of n x's is n + 9.
SMALL = Budget(credential_bytes=100, namespace_bytes=60, tenants=2)
A1, A2, A3 = (ns("api", "alice", t) for t in ("t1", "t2", "t3"))
BOB = ns("api", "bob", "t1")


@pytest.fixture(params=["memory", "redis"])
def budgeted(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore(budget=SMALL, owner=owner_of)
    else:
        url = request.getfixturevalue("redis_url")
        yield RedisStore(connect(url), budget=SMALL, owner=owner_of)


def blob(n: int) -> dict[str, Any]:
    return {"v": "x" * (n - 9)}


def test_stored_bytes_are_the_json_length(budgeted: Store) -> None:
    budgeted.put(A1, "c", "a", blob(30))
    budgeted.put(A2, "c", "a", {"v": 1})
    assert budgeted.usage(A1) == (30, 38, 2)
    budgeted.put(A1, "c", "a", blob(20))  # a replacement counts its new size only
    assert budgeted.usage(A1) == (20, 28, 2)
    assert budgeted.usage(BOB) == (0, 0, 0)


def test_a_write_over_the_namespace_budget_is_refused_and_changes_nothing(
    budgeted: Store,
) -> None:
    budgeted.put(A1, "c", "a", blob(40))
    with pytest.raises(Rejection) as caught:
        budgeted.put(A1, "c", "b", blob(30))
    assert caught.value.situation == "storage_full" and caught.value.params["limit"] == "namespace"
    with pytest.raises(Rejection):
        budgeted.update(A1, "d", "k", lambda current: blob(30))
    assert budgeted.items(A1, "c") == [blob(40)] and budgeted.get(A1, "c", "b") is None
    assert budgeted.usage(A1) == (40, 40, 1)
    budgeted.put(A1, "c", "b", blob(20))  # what fits still goes in
    assert budgeted.usage(A1)[0] == 60


def test_the_owner_budget_spans_its_tenants_and_no_other_owner(budgeted: Store) -> None:
    budgeted.put(A1, "c", "a", blob(60))
    with pytest.raises(Rejection) as caught:
        budgeted.put(A2, "c", "a", blob(41))
    assert caught.value.params["limit"] == "credential"
    budgeted.put(A2, "c", "a", blob(40))
    budgeted.put(BOB, "c", "a", blob(60))  # bob has his own budget
    assert budgeted.usage(A1) == (60, 100, 2) and budgeted.usage(BOB) == (60, 60, 1)


def test_a_batch_over_budget_is_refused_whole(budgeted: Store) -> None:
    assert budgeted.add_many(A1, "c", [("a", blob(20)), ("a", blob(25)), ("b", blob(20))]) == [
        True,
        False,
        True,
    ]
    with pytest.raises(Rejection):
        budgeted.add_many(A1, "c", [("c", blob(12)), ("d", blob(12))])
    assert [len(i["v"]) for i in budgeted.items(A1, "c")] == [11, 11]
    assert budgeted.add_many(A1, "c", [("a", blob(59)), ("c", blob(12))]) == [False, True]


def test_the_tenant_cap_refuses_a_new_namespace_only(budgeted: Store) -> None:
    budgeted.put(A1, "c", "a", {"v": 1})
    budgeted.put(A2, "c", "a", {"v": 1})
    with pytest.raises(Rejection) as caught:
        budgeted.put(A3, "c", "a", {"v": 1})
    assert caught.value.params["limit"] == "tenants"
    assert budgeted.get(A3, "c", "a") is None and budgeted.usage(A3)[2] == 2
    budgeted.put(A1, "d", "b", {"v": 2})  # the owner's existing tenants still take writes
    budgeted.put(BOB, "c", "a", {"v": 1})
    assert budgeted.delete(A2, "c", "a") is True  # an emptied namespace is no tenant any more
    budgeted.put(A3, "c", "a", {"v": 1})
    assert budgeted.usage(A3) == (8, 24, 2)


def test_deletes_evictions_and_resets_give_bytes_back(budgeted: Store) -> None:
    budgeted.put(A1, "c", "a", blob(50))
    budgeted.delete(A1, "c", "a")
    assert budgeted.usage(A1) == (0, 0, 0)
    budgeted.put(A1, "c", "a", blob(50))
    budgeted.clear_where(lambda namespace: namespace == A1)
    assert budgeted.usage(A1) == (0, 0, 0)
    budgeted.put(A1, "c", "a", blob(60))  # the whole budget is free again
    budgeted.put(BOB, "c", "x", blob(20))
    budgeted.clear()
    assert budgeted.usage(A1) == (0, 0, 0) and budgeted.usage(BOB) == (0, 0, 0)


def test_the_per_collection_cap_frees_the_bytes_it_drops(store: Store) -> None:
    for key in "abcde":
        store.put("ns", "c", key, {"v": 1})
    assert store.usage("ns")[0] == 3 * 8


def test_clear_where_drops_only_matching_namespaces(store: Store) -> None:
    store.put('["a","x"]', "c", "k", {})
    store.put('["a","x","t2"]', "d", "k", {})
    store.put('["a","y"]', "c", "k", {})
    store.clear_where(lambda namespace: namespace.startswith('["a","x"'))
    assert store.items('["a","x"]', "c") == [] and store.items('["a","x","t2"]', "d") == []
    assert store.items('["a","y"]', "c") == [{}]
    store.clear()
    assert store.items('["a","y"]', "c") == []


def test_redis_keys_are_namespaced_and_never_expire(redis_url: str) -> None:
    """Nothing expires or is evicted: the budgets bound the data set (store.py)."""
    client = connect(redis_url)
    RedisStore(client, owner=owner_of).put(ZT_NS, "calls", "c-1", {"v": 1})
    keys = sorted(k.decode() for k in client.keys("mock:*") if b"seq" not in k)
    owner = owner_of(ZT_NS)
    assert keys == [
        f"mock:b:{owner}",
        f"mock:h:calls:{ZT_NS}",
        f"mock:o:calls:{ZT_NS}",
        f"mock:u:{owner}",
    ]
    assert all(client.ttl(k) == -1 for k in keys)


# --- the mock on Redis -------------------------------------------------------------------------


def redis_mock(url: str, **overrides: Any) -> Mock:
    return make_mock(store=url, **overrides)


def test_two_in_process_mocks_on_one_redis_share_state_and_journal(redis_url: str) -> None:
    one, two = redis_mock(redis_url), redis_mock(redis_url)
    body = {"data": [item("c-1")]}
    assert one.request("POST", URL, json=body, headers=HEADERS).status_code == 200
    assert two.request("POST", URL, json=body, headers=HEADERS).status_code == 200
    assert [i["call"]["id"] for i in two.runtime.store.items(ZT_NS, "calls")] == ["c-1"]
    assert len(two.request("GET", "/__mock/requests").json()["entries"]) == 2
    assert (
        one.request("POST", "/voice/api/v1/calls", json=CALL, headers=VOICE_AUTH).status_code == 201
    )
    listed = two.request("GET", "/voice/api/v1/calls", headers=VOICE_AUTH).json()
    assert len(listed["data"]) == 1, listed


def test_redis_restart_mid_run_answers_503_then_recovers(redis_server: Any, redis_url: str) -> None:
    mock = redis_mock(redis_url, rate_limits=False)
    assert (
        mock.request("POST", URL, json={"data": [item("kept")]}, headers=HEADERS).status_code == 200
    )
    redis_server.stop()
    try:
        down = mock.request("POST", URL, json={"data": [item("lost")]}, headers=HEADERS)
        assert down.status_code == 503
        assert down.json() == {"success": False, "message": "Internal server error"}  # Zipteams'
        # documented envelope; the profiles word no outage of their own, so the 5xx wording
        assert down.headers["retry-after"] == "1"
        voice = mock.request("GET", "/voice/api/v1/calls", headers=VOICE_AUTH)
        assert voice.status_code == 503 and "error" in voice.json()
        # worded as the profile's internal error, code included: the specs require a string
        assert voice.json()["error"]["code"] == "INTERNAL_ERROR", voice.text
        ziett = mock.request("GET", "/ziett/c/v1/messages", headers=ZIETT_KEY)
        assert ziett.status_code == 503 and ziett.json()["code"] == "INTERNAL_ERROR", ziett.text
        health = mock.request("GET", "/__mock/health")  # a load balancer can tell
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        unknown = mock.request("GET", "/voice/api/v1/nowhere", headers=VOICE_AUTH)
        assert unknown.status_code == 404 and "error" in unknown.json()
        for method, route in (("GET", "requests"), ("GET", "callbacks"), ("POST", "reset")):
            admin = mock.request(method, f"/__mock/{route}")
            assert admin.status_code == 503, (route, admin.text)
            assert admin.headers["retry-after"] == "1"
    finally:
        redis_server.start()
    deadline = time.monotonic() + 10
    while True:
        again = mock.request("POST", URL, json={"data": [item("after")]}, headers=HEADERS)
        if again.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert again.status_code == 200
    assert mock.request("GET", "/__mock/health").json()["status"] == "ok"
    ids = [i["call"]["id"] for i in mock.runtime.store.items(ZT_NS, "calls")]
    assert ids == ["kept", "after"]  # nothing acknowledged was lost; the refused one not stored


def test_two_processes_are_one_mock(redis_url: str) -> None:
    args = ("--store", redis_url, "--callback-delay", "0", "--callback-backoff", "0.01")
    with mock_process(*args) as first, mock_process(*args) as second:
        hook = "https://hooks.example.com/once"
        body = {"data": [{**item("c-1"), "callback_url": hook}]}
        for origin in (first, second, first):
            assert httpx.post(origin + URL, json=body, headers=HEADERS).status_code == 200
        placed = httpx.post(f"{first}/voice/api/v1/calls", json=CALL, headers=VOICE_AUTH)
        assert placed.status_code == 201
        listed = httpx.get(f"{second}/voice/api/v1/calls", headers=VOICE_AUTH).json()
        assert [c["id"] for c in listed["data"]] == [placed.json()["id"]]
        assert len(RedisStore(connect(redis_url)).items(ZT_NS, "calls")) == 1
        time.sleep(1.0)  # let the one delivery's attempts run
        firsts = [
            e
            for e in httpx.get(f"{second}/__mock/callbacks").json()["entries"]
            if e["attempt"] == 1
        ]
        assert [e["target"] for e in firsts] == [hook]  # one delivery, not one per process


def test_documented_120_per_minute_is_one_budget_across_processes(redis_url: str) -> None:
    with mock_process("--store", redis_url) as first, mock_process("--store", redis_url) as second:
        statuses = []
        with httpx.Client() as client:
            for n in range(121):
                origin = first if n % 2 else second
                body = {"data": [item(f"c-{n}")]}
                statuses.append(client.post(origin + URL, json=body, headers=HEADERS).status_code)
        assert statuses[:120] == [200] * 120
        assert statuses[120] == 429


def test_two_workers_share_state_tokens_and_one_budget(redis_url: str) -> None:
    with mock_process("--workers", "2", "--store", redis_url) as origin, httpx.Client() as client:
        login = client.post(
            f"{origin}/voice/api/v1/auth/login",
            json={"email": "ops@example.com", "password": "sandbox-password"},
        )
        assert login.status_code == 200, login.text
        token = {"Authorization": f"Bearer {login.json()['access_token']}"}
        placed = client.post(f"{origin}/voice/api/v1/calls", json=CALL, headers=token)
        assert placed.status_code == 201
        # fresh connections, so both workers answer some of them
        listed = [
            httpx.get(f"{origin}/voice/api/v1/calls", headers=token).json()["data"]
            for _ in range(10)
        ]
        assert all([c["id"] for c in data] == [placed.json()["id"]] for data in listed)
        statuses = [
            httpx.post(origin + URL, json={"data": [item(f"c-{n}")]}, headers=HEADERS).status_code
            for n in range(121)
        ]
        assert statuses[:120] == [200] * 120 and statuses[120] == 429


def test_workers_need_the_shared_store() -> None:
    from mock_server.core.config import from_sources

    with pytest.raises(SystemExit):
        from_sources(["--workers", "2"], {})
    with pytest.raises(SystemExit):
        from_sources(["--store", "mongodb://x"], {})

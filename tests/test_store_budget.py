"""The store's byte budget and tenant cap through the mock (issue 14's reproductions): one key
is refused in its partner's 429 once over budget, keeps what it stored, and never touches
another partner's state. Bounds are measured in stored bytes, never in time."""

from __future__ import annotations

import resource
from typing import Any

import pytest

from mock_server.core.config import from_sources
from mock_server.core.problems import Rejection
from mock_server.rules.auth import owner_of
from tests.conftest import CREDENTIALS, make_mock, ns
from tests.mock.test_voice import AUTH as VOICE_AUTH
from tests.mock.test_voice import BALANCE, CALL, CALLS
from tests.mock.test_zipteams import HEADERS, URL, item

MiB = 1 << 20
FILLER = 98_000  # an item's ignored extra property (ZT-04): 50 items make a ~4.9 MB batch


def big_batch(batch: int) -> dict[str, Any]:
    return {
        "data": [{**item(f"b{batch}-{n}"), "notes": "x" * FILLER} for n in range(50)],
    }


def test_twenty_big_batches_from_one_key_are_refused_once_over_budget() -> None:
    """20 batches of ~4.9 MB, each to its own tenant: accepted up to the key's 64 MiB, then
    refused in Zipteams' 429 envelope; nothing accepted is lost, stored bytes stay under the
    budget (RSS is printed, not asserted: it is the process's, not the store's)."""
    mock = make_mock(rate_limits=False)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    statuses, bodies = [], []
    for batch in range(20):
        headers = {**HEADERS, "x-tenant-id": f"t{batch}"}
        body = big_batch(batch)
        response = mock.request("POST", URL, json=body, headers=headers)
        statuses.append(response.status_code)
        bodies.append(response.json())
    accepted = statuses.count(200)
    assert 10 <= accepted < 20 and statuses == [200] * accepted + [429] * (20 - accepted), statuses
    assert bodies[-1] == {
        "success": False,
        "message": "Sandbox storage limit reached for this key.",
    }
    used = mock.runtime.store.usage(ns("zipteams", "sandbox", "t0", "subtenant1"))
    assert accepted * 50 * FILLER < used[1] <= mock.runtime.config.store_credential_bytes
    for batch in range(accepted):  # every accepted batch is still there, whole
        stored = mock.runtime.store.items(
            ns("zipteams", "sandbox", f"t{batch}", "subtenant1"), "calls"
        )
        assert len(stored) == 50
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"stored {used[1] / MiB:.1f} MiB in {used[2]} tenants; max RSS {before // 1024} -> "
        f"{after // 1024} MiB"
    )


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_a_thousand_tenant_ids_never_touch_another_partners_calls_or_balance(
    store: str, request: pytest.FixtureRequest
) -> None:
    """The issue's reproduction: a voice call placed (balance spent), then one Zipteams key
    sends to 1,000 tenant ids. Tenants past the cap are refused; voice's call and balance stay
    (in memory and on Redis, where state used to expire instead)."""
    url = "memory://" if store == "memory" else request.getfixturevalue("redis_url")
    mock = make_mock(rate_limits=False, store=url)
    assert mock.request("POST", CALLS, json=CALL, headers=VOICE_AUTH).status_code == 201
    calls_before = mock.request("GET", CALLS, headers=VOICE_AUTH).json()
    balance_before = mock.request("GET", BALANCE, headers=VOICE_AUTH).json()["balance"]
    statuses = []
    for tenant in range(1000):
        headers = {**HEADERS, "x-tenant-id": f"tenant-{tenant}"}
        body = {"data": [item(f"c-{tenant}")]}
        statuses.append(mock.request("POST", URL, json=body, headers=headers).status_code)
    cap = mock.runtime.config.store_tenants
    assert statuses == [200] * cap + [429] * (1000 - cap)
    assert mock.request("GET", CALLS, headers=VOICE_AUTH).json() == calls_before
    assert calls_before["total"] == 1
    assert mock.request("GET", BALANCE, headers=VOICE_AUTH).json()["balance"] == balance_before
    first = ns("zipteams", "sandbox", "tenant-0", "subtenant1")
    assert [i["call"]["id"] for i in mock.runtime.store.items(first, "calls")] == ["c-0"]
    assert mock.runtime.store.usage(first)[2] == cap
    assert owner_of(first) == '["zipteams", "sandbox"]'


def test_budgets_come_from_flags_and_environment() -> None:
    config = from_sources(
        ["--store-tenants", "5", "--store-namespace-bytes", "2048"],
        {"MOCK_STORE_CREDENTIAL_BYTES": "4096", "MOCK_STORE_TENANTS": "7"},
    )
    assert (config.store_credential_bytes, config.store_namespace_bytes) == (4096, 2048)
    assert config.store_tenants == 5  # the flag over the environment
    assert from_sources([], {}).store_credential_bytes == 64 * MiB
    store = make_mock(store_tenants=1).runtime.store
    store.put(ns("voice", "sandbox"), "c", "k", {})
    with pytest.raises(Rejection):
        store.put(ns("voice", "sandbox", "other"), "c", "k", {})


@pytest.mark.parametrize("app_kind", ["async", "flask"])
def test_each_partner_answers_a_full_store_in_its_own_429(app_kind: str) -> None:
    """A credential over its budget gets its API's documented 429 envelope (the profile's
    ``storage_full``), under both app kinds; a voice call refused so is not paid for."""
    mock = make_mock(rate_limits=False, app_kind=app_kind, store_credential_bytes=1500)
    balance = mock.request("GET", BALANCE, headers=VOICE_AUTH).json()["balance"]
    placed = 0
    while (r := mock.request("POST", CALLS, json=CALL, headers=VOICE_AUTH)).status_code == 201:
        placed += 1
    assert placed >= 1 and r.status_code == 429, r.text
    assert r.json()["error"]["code"] == "RATE_LIMITED" and "storage" in r.json()["error"]["message"]
    assert (
        mock.request("GET", BALANCE, headers=VOICE_AUTH).json()["balance"] == balance - 2.5 * placed
    )
    assert mock.request("GET", CALLS, headers=VOICE_AUTH).json()["total"] == placed

    big = {**item("big"), "notes": "x" * 2000}
    r = mock.request("POST", URL, json={"data": [big]}, headers=HEADERS)
    assert r.status_code == 429 and r.json()["success"] is False

    ziett = {"X-API-Key": CREDENTIALS["ziett"][0]["api_key"]}
    sms = {"to": "+14155550123", "channel": "sms", "body": "x" * 600, "sender_id": "ZIETT"}
    statuses = [
        mock.request("POST", "/ziett/c/v1/messages", json=sms, headers=ziett).status_code
        for _ in range(3)
    ]
    assert statuses[0] == 202 and statuses[-1] == 429
    r = mock.request("POST", "/ziett/c/v1/messages", json=sms, headers=ziett)
    assert r.json()["code"] == "RATE_LIMIT_EXCEEDED"

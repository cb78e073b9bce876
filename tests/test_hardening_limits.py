"""Hardening, second slice (issue 14): the journals bounded in bytes, header limits, and the
connection timeouts (those against a real process on loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mock_server.journal import Journal, bounded, size_of
from mock_server.redisstore import RedisJournal, connect
from tests.conftest import Mock, make_mock
from tests.mock.test_zipteams import HEADERS

BATCH = "/zipteams/api/v1/partner/ingest/batch-call"

# --- journals bounded in bytes ----------------------------------------------------------------


def _entry(n: int, pad: int) -> dict[str, Any]:
    return {
        "api": "x",
        "method": "GET",
        "status": 200,
        "path": f"/p/{n}",
        "headers": {"h": "v" * pad},
    }


@pytest.fixture(params=["memory", "redis"])
def journal(request: pytest.FixtureRequest) -> Iterator[Journal]:
    if request.param == "memory":
        yield Journal(capacity=500, max_bytes=20_000, entry_bytes=1000)
    else:
        url = request.getfixturevalue("redis_url")
        yield RedisJournal(connect(url), "t:journal", 500, max_bytes=20_000, entry_bytes=1000)


def test_an_entry_over_its_cap_is_cut_with_a_visible_marker(journal: Journal) -> None:
    journal.record(_entry(1, 50_000))
    stored = journal.query(limit=1)[0]
    assert size_of(stored) <= 1000
    assert stored["truncated"] == {"bytes": size_of(_entry(1, 50_000)), "limit": 1000}
    assert stored["headers"].endswith("…[truncated]")
    assert (stored["method"], stored["status"], stored["path"]) == ("GET", 200, "/p/1")


def test_a_small_entry_is_kept_whole(journal: Journal) -> None:
    journal.record(_entry(1, 10))
    stored = journal.query(limit=1)[0]
    assert "truncated" not in stored
    assert stored["headers"] == {"h": "v" * 10}


def test_the_journal_total_stays_under_its_byte_cap_oldest_dropped(journal: Journal) -> None:
    for n in range(200):
        journal.record(_entry(n, 5_000))
    entries = journal.query(limit=500)
    assert len(json.dumps(entries)) <= 20_000
    assert 10 <= len(entries) < 200
    assert entries[0]["path"] == "/p/199"  # newest kept, oldest gone
    assert journal.total_bytes() <= 20_000
    journal.clear()
    assert journal.query(limit=500) == [] and journal.total_bytes() == 0


def test_bounded_keeps_what_happened_when_many_fields_are_middling() -> None:
    entry = {"status": 200, **{f"f{i}": "x" * 200 for i in range(100)}}
    cut = bounded(entry, 600)
    assert size_of(cut) <= 600
    assert cut["status"] == 200 and cut["truncated"]["bytes"] == size_of(entry)


def test_requests_route_answer_is_bounded_by_the_journal_byte_cap() -> None:
    mock = make_mock(journal_bytes=60_000, journal_entry_bytes=4096)
    big = {**HEADERS, "x-padding": "p" * 12_000}
    for _ in range(50):
        mock.request("GET", "/nothing-here", headers=big)
    r = mock.request("GET", "/__mock/requests?limit=500")
    assert r.status_code == 200
    assert len(r.content) <= 60_000
    entries = r.json()["entries"]
    assert entries and all(e["truncated"]["limit"] == 4096 for e in entries)


def test_callback_journal_is_bounded_in_bytes_too() -> None:
    mock: Mock = make_mock(callback_journal_bytes=30_000, journal_entry_bytes=2048)
    journal = mock.runtime.extras["callbacks"].dispatcher.journal
    for n in range(100):
        journal.record({**_entry(n, 3000), "state": "delivered"})
    entries = journal.query(limit=500)
    assert len(json.dumps(entries)) <= 30_000
    assert all(size_of(e) <= 2048 and e["state"] == "delivered" for e in entries)

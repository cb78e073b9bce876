"""The partner-facing admin routes: journal, health, reset; and secrets never leak."""

from __future__ import annotations

from tests.conftest import Mock, ns
from tests.mock.test_zipteams import HEADERS, item, post


def test_journal_records_request_status_and_reasons_newest_first(mock: Mock) -> None:
    post(mock, {"data": [item()]})
    post(mock, {"data": [item(call_id="")]})
    entries = mock.request("GET", "/__mock/requests").json()["entries"]
    assert [e["status"] for e in entries[:2]] == [422, 200]
    newest = entries[0]
    assert newest["api"] == "zipteams"
    assert newest["operation"] == "ingestBatchCall"
    assert newest["reasons"] == ["data[0].call.id: id should not be empty"]
    assert newest["body"]["data"][0]["call"]["id"] == ""


def test_journal_filters_by_api_and_status_and_caps(mock: Mock) -> None:
    post(mock, {"data": [item()]})
    post(mock, {"data": [item()]}, headers={**HEADERS, "x-api-key": "nope"})
    only = mock.request("GET", "/__mock/requests", params={"status": 403}).json()["entries"]
    assert [e["status"] for e in only] == [403]
    assert only[0]["reasons"] == ["Forbidden"]
    unknown = mock.request("GET", "/__mock/requests", params={"api": "nope"})
    assert unknown.status_code == 400
    assert "zipteams" in unknown.json()["allowed"]
    assert len(mock.request("GET", "/__mock/requests", params={"limit": 1}).json()["entries"]) == 1
    assert mock.request("GET", "/__mock/requests", params={"status": "x"}).status_code == 400


def test_journal_redacts_secrets(mock: Mock) -> None:
    post(mock, {"data": [item()]})
    entry = mock.request("GET", "/__mock/requests").json()["entries"][0]
    assert HEADERS["x-api-key"] not in str(entry)
    assert HEADERS["x-api-secret"] not in str(entry)
    assert entry["headers"]["x-api-key"].startswith("****")
    assert entry["headers"]["x-tenant-id"] == "tenant1"


def test_journal_is_bounded() -> None:
    from tests.conftest import make_mock

    m = make_mock(journal_size=3)
    for _ in range(5):
        post(m, {"data": [item()]})
    assert len(m.request("GET", "/__mock/requests").json()["entries"]) == 3


def test_reset_clears_state_and_journal(mock: Mock) -> None:
    post(mock, {"data": [item("x")]})
    assert mock.request("POST", "/__mock/reset").json() == {"reset": True}
    assert mock.request("GET", "/__mock/requests").json()["entries"] == []
    assert (
        mock.runtime.store.items(ns("zipteams", "sandbox", "tenant1", "subtenant1"), "calls") == []
    )


def test_health_and_unknown_admin_route(mock: Mock) -> None:
    health = mock.request("GET", "/__mock/health").json()
    assert health["status"] == "ok" and "zipteams" in health["apis"]
    assert mock.request("GET", "/__mock/nope").status_code == 404


def test_admin_route_with_the_wrong_method_is_405_with_allow(mock: Mock) -> None:
    r = mock.request("GET", "/__mock/reset")
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    assert "POST /__mock/reset" in r.json()["message"]
    assert mock.request("POST", "/__mock/requests").headers["allow"] == "GET"


def test_path_outside_every_api_lists_the_apis(mock: Mock) -> None:
    r = mock.request("GET", "/somewhere")
    assert r.status_code == 404
    assert "/zipteams/api/v1/" in r.json()["apis"]


def test_spec_and_swagger_ui_served_per_api(mock: Mock) -> None:
    assert (
        mock.request("GET", "/zipteams/api/v1/openapi.json").json()["info"]["title"]
        == "Zipteams Partner API"
    )
    assert "swagger" in mock.request("GET", "/zipteams/api/v1/ui/").text.lower()

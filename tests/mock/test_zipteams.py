"""The mock answers as Zipteams documents (specs/zipteams.yaml, profiles/zipteams.yaml)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import CREDENTIALS, Mock, ns

URL = "/zipteams/api/v1/partner/ingest/batch-call"
CRED = CREDENTIALS["zipteams"][0]
HEADERS = {
    "x-api-key": CRED["api_key"],
    "x-api-secret": CRED["api_secret"],
    "x-tenant-id": "tenant1",
    "x-sub-tenant-id": "subtenant1",
}


def item(call_id: str = "call123", **call: Any) -> dict[str, Any]:
    return {
        "call": {
            "id": call_id,
            "recording_url": "https://example.com/recordings/call123.mp3",
            "start_time": "2023-01-01T10:00:00Z",
            "end_time": "2023-01-01T10:30:00Z",
            "contact_number": "+1234567890",
            **call,
        },
        "agent": {"id": "agent123"},
        "customer": {"id": "customer123"},
    }


def post(mock: Mock, body: Any, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    return mock.request(
        "POST", URL, json=body, headers=HEADERS if headers is None else headers, **kw
    )


def errors(response: Any) -> dict[str, str]:
    body = response.json()
    assert body["success"] is False
    return {e["field"]: e["message"] for e in body.get("errors", [])}


def test_valid_batch_is_accepted(mock: Mock) -> None:
    r = post(mock, {"data": [item()]})
    assert r.status_code == 200
    assert r.json() == {"success": True}
    assert r.headers["content-type"].startswith("application/json")


def test_docs_validation_example_reproduced(mock: Mock) -> None:
    r = post(mock, {"data": [item(call_id="")]})
    assert r.status_code == 422
    assert r.json() == {
        "success": False,
        "message": "Validation failed",
        "errors": [{"field": "data[0].call.id", "message": "id should not be empty"}],
    }


def test_every_problem_is_reported_once_in_docs_path_style(mock: Mock) -> None:
    bad = item(recording_url="not a url", contact_number="12345", end_time="2023-01-01T09:00:00Z")
    del bad["call"]["id"]
    bad["agent"] = {"email": "not-an-email", "name": "x" * 256}
    bad["callback_url"] = "http://partner.example.com/cb"
    bad["metadata"] = {f"k{i}": i for i in range(6)}
    r = post(mock, {"data": [bad]})
    assert r.status_code == 422
    found = errors(r)
    assert set(found) == {
        "data[0].call.id",
        "data[0].call.recording_url",
        "data[0].call.contact_number",
        "data[0].call.end_time",
        "data[0].agent.id",
        "data[0].agent.email",
        "data[0].agent.name",
        "data[0].callback_url",
        "data[0].metadata",
    }
    assert found["data[0].call.end_time"] == "end_time must be after start_time"
    assert found["data[0].agent.name"] == "name must be shorter than or equal to 255 characters"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"data": []}, "data"),
        ({"data": [item(f"c{i}") for i in range(51)]}, "data"),
        ({"data": [item("same"), item("same")]}, "data[1].call.id"),
        ({"data": [item(start_time="2023-01-01T10:00:00+05:00")]}, "data[0].call.start_time"),
        ({"data": [item(end_time="2023-01-01T10:00:00Z")]}, "data[0].call.end_time"),
        (
            {"data": [{**item(), "custom_fields": [{"internal_name": "a", "value": "b"}] * 11}]},
            "data[0].custom_fields",
        ),
        ({"data": [{**item(), "metadata": {"a": {"nested": 1}}}]}, "data[0].metadata.a"),
        ({}, "data"),
        ({"data": [{**item(), "agent": {"id": "a", "email": "a@b"}}]}, "data[0].agent.email"),
        (
            {"data": [{**item(), "customer": {"id": "c", "email": "a b@c.com"}}]},
            "data[0].customer.email",
        ),
        (
            {"data": [item(recording_url="https://exa mple.com/x.mp3")]},
            "data[0].call.recording_url",
        ),
        ({"data": [item(start_time="2023-02-30T10:00:00Z")]}, "data[0].call.start_time"),
    ],
    ids=[
        "empty",
        "51-calls",
        "duplicate-id",
        "not-utc",
        "end-equals-start",
        "11-custom-fields",
        "metadata-object",
        "no-data",
        "email-no-dot",
        "email-space",
        "uri-space",
        "date-feb-30",
    ],
)
def test_documented_constraints_are_enforced(mock: Mock, body: dict[str, Any], field: str) -> None:
    r = post(mock, body)
    assert r.status_code == 422, r.text
    assert field in errors(r)


def test_docs_curl_example_with_undocumented_fields_is_accepted(mock: Mock) -> None:
    body = {"data": [{**item(), "industry": "Technology", "function": "Sales"}]}
    assert post(mock, body).status_code == 200


@pytest.mark.parametrize(
    ("drop", "status", "message"),
    [
        ("x-api-key", 401, "Unauthorized"),
        ("x-api-secret", 401, "Unauthorized"),
        ("x-tenant-id", 400, "Tenant ID is required"),
        ("x-sub-tenant-id", 400, "Sub-Tenant ID is required"),
    ],
)
def test_missing_header_gets_documented_status_and_message(
    mock: Mock, drop: str, status: int, message: str
) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != drop}
    r = post(mock, {"data": [item()]}, headers=headers)
    assert (r.status_code, r.json()) == (status, {"success": False, "message": message})


@pytest.mark.parametrize("header", ["x-api-key", "x-api-secret"])
def test_wrong_key_or_secret_is_forbidden(mock: Mock, header: str) -> None:
    r = post(mock, {"data": [item()]}, headers={**HEADERS, header: "wrong"})
    assert (r.status_code, r.json()) == (403, {"success": False, "message": "Forbidden"})


def test_key_of_one_partner_with_secret_of_another_is_forbidden(mock: Mock) -> None:
    other = CREDENTIALS["zipteams"][1]
    r = post(mock, {"data": [item()]}, headers={**HEADERS, "x-api-secret": other["api_secret"]})
    assert r.status_code == 403


def test_docs_curl_headers_alone_are_refused(mock: Mock) -> None:
    headers = {"x-partner-id": "123", "x-tenant-id": "tenant1", "x-sub-tenant-id": "subtenant1"}
    assert post(mock, {"data": [item()]}, headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"data=1", "text/plain", 415),
        (b"[" * 5000 + b"]" * 5000, "application/json", 400),
        (b'{"data": ' + b"9" * 5000 + b"}", "application/json", 422),  # validation, naming data
    ],
    ids=["wrong-content-type", "nested-too-deep", "huge-integer"],
)
def test_unreadable_bodies_get_the_envelope(
    mock: Mock, content: bytes, content_type: str, status: int
) -> None:
    r = mock.request(
        "POST", URL, content=content, headers={**HEADERS, "content-type": content_type}
    )
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    assert r.json()["success"] is False


def test_prefer_code_forces_documented_error_with_its_headers(mock: Mock) -> None:
    r = post(mock, {"data": [item()]}, headers={**HEADERS, "prefer": "code=429"})
    assert r.status_code == 429
    assert r.json()["message"] == "Rate limit exceeded. Try again in 60 seconds."
    assert r.headers["retry-after"] == "60"


@pytest.mark.parametrize(
    ("how", "status", "message"),
    [
        ({"headers": {"prefer": "code=422, example=endBeforeStart"}}, 422, "Validation failed"),
        ({"headers": {"prefer": "example=missingSubTenantId"}}, 400, "Sub-Tenant ID is required"),
        ({"params": {"__code": "500"}}, 500, "Internal server error"),
        (
            {"params": {"__code": "400", "__example": "missingTenantId"}},
            400,
            "Tenant ID is required",
        ),
    ],
)
def test_prefer_and_query_select_named_examples(
    mock: Mock, how: dict[str, Any], status: int, message: str
) -> None:
    headers = {**HEADERS, **how.get("headers", {})}
    r = mock.request(
        "POST", URL, json={"data": [item()]}, headers=headers, params=how.get("params")
    )
    assert (r.status_code, r.json()["message"]) == (status, message)


def test_resubmitted_call_is_accepted_and_stored_once(mock: Mock) -> None:
    body = {"data": [item("c-1"), item("c-2")]}
    assert post(mock, body).status_code == 200
    assert post(mock, body).status_code == 200
    namespace = ns("zipteams", CRED["name"], "tenant1", "subtenant1")
    stored = mock.runtime.store.items(namespace, "calls")
    assert [s["call"]["id"] for s in stored] == ["c-1", "c-2"]


def test_state_is_isolated_per_tenant(mock: Mock) -> None:
    post(mock, {"data": [item("t1-call")]})
    post(mock, {"data": [item("t2-call")]}, headers={**HEADERS, "x-tenant-id": "tenant2"})
    store = mock.runtime.store
    assert [
        s["call"]["id"]
        for s in store.items(ns("zipteams", CRED["name"], "tenant1", "subtenant1"), "calls")
    ] == ["t1-call"]
    assert [
        s["call"]["id"]
        for s in store.items(ns("zipteams", CRED["name"], "tenant2", "subtenant1"), "calls")
    ] == ["t2-call"]


def test_rejected_batch_leaves_accepted_state_intact(mock: Mock) -> None:
    post(mock, {"data": [item("kept")]})
    bad = copy.deepcopy(item("kept"))
    bad["call"]["contact_number"] = "nope"
    assert post(mock, {"data": [bad]}).status_code == 422
    stored = mock.runtime.store.items(
        ns("zipteams", CRED["name"], "tenant1", "subtenant1"), "calls"
    )
    assert [s["call"]["contact_number"] for s in stored] == ["+1234567890"]


def test_provisional_disposition_update_is_served(mock: Mock) -> None:
    url = "/zipteams/api/v1/partner/disposition-status"
    r = mock.request(
        "POST", url, json={"customer_id": "c1", "disposition_status": "won"}, headers=HEADERS
    )
    assert (r.status_code, r.json()) == (200, {"success": True})
    r = mock.request("POST", url, json={"disposition_status": "won"}, headers=HEADERS)
    assert errors(r) == {"customer_id": "customer_id should not be empty"}


def test_tenant_ids_with_slashes_do_not_share_state(mock: Mock) -> None:
    """tenant "a/b" + sub-tenant "c" and tenant "a" + sub-tenant "b/c" are different tenants."""
    first = {**HEADERS, "x-tenant-id": "a/b", "x-sub-tenant-id": "c"}
    second = {**HEADERS, "x-tenant-id": "a", "x-sub-tenant-id": "b/c"}
    assert post(mock, {"data": [item("same-id")]}, headers=first).status_code == 200
    assert post(mock, {"data": [item("same-id")]}, headers=second).status_code == 200
    store = mock.runtime.store
    assert len(store.items(ns("zipteams", CRED["name"], "a/b", "c"), "calls")) == 1
    assert len(store.items(ns("zipteams", CRED["name"], "a", "b/c"), "calls")) == 1


@pytest.mark.parametrize("content", [b"null", b""], ids=["null", "empty"])
def test_missing_body_is_one_worded_problem(mock: Mock, content: bytes) -> None:
    r = mock.request(
        "POST", URL, content=content, headers={**HEADERS, "content-type": "application/json"}
    )
    assert r.status_code == 422
    assert errors(r) == {"body": "body should not be empty"}

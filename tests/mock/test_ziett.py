"""The mock answers as Ziett documents (specs/ziett.yaml, profiles/ziett.yaml)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

import pytest

from tests.conftest import CREDENTIALS, ROOT, Mock, mock_with_credential

SANDBOX, READ_ONLY = CREDENTIALS["ziett"]
KEY = {"X-API-Key": SANDBOX["api_key"]}
TOKEN = {"Authorization": f"Bearer {SANDBOX['access_token']}"}
MESSAGES = "/ziett/c/v1/messages"
BATCH = "/ziett/c/v1/campaigns/batch"
UNKNOWN_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
SMS = {
    "to": "+14155550123",
    "channel": "sms",
    "body": "Your verification code is 482913.",
    "sender_id": "ZIETT",
}  # no callback_url: delivery webhooks are tests/mock/test_callbacks.py's business
CAMPAIGN = {
    "name": "Spring sale",
    "channel": "sms",
    "body": "Spring sale starts tomorrow. Reply STOP to opt out.",
    "sender_id": "ZIETT",
    "recipients": ["+14155550123", "+14155550124", "+14155550125"],
}
MESSAGE_KEYS = {
    "id",
    "campaign_id",
    "to",
    "channel",
    "body",
    "sender_id",
    "status",
    "error_code",
    "created_at",
    "updated_at",
}
DOCS_INVALID_SCOPE = json.loads(
    (ROOT / "tests/fixtures/docs/ziett/error-invalid-scope.json").read_text()
)


def campaign_url(campaign_id: str) -> str:
    return f"/ziett/v1/campaigns/{campaign_id}"


def envelope(response: Any, status: int) -> dict[str, Any]:
    """The error body without its per-request trace_id and timestamp (whose forms it checks)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = dict(response.json())
    assert re.fullmatch(r"[0-9a-f]{32}", body.pop("trace_id"))
    datetime.fromisoformat(body.pop("timestamp"))
    return body


def error(status: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "status": status, "service": "core", **extra}


def send(mock: Mock, body: Any = None, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    return mock.request(
        "POST", MESSAGES, json=SMS if body is None else body, headers=headers or KEY, **kw
    )


def batch(mock: Mock, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    return mock.request(
        "POST", BATCH, json=CAMPAIGN if body is None else body, headers=headers or KEY
    )


def listed(mock: Mock, headers: dict[str, str] | None = None, **params: Any) -> Any:
    r = mock.request("GET", MESSAGES, params=params, headers=headers or KEY)
    assert r.status_code == 200, r.text
    return r.json()


# --- success bodies and state -----------------------------------------------------------------


def test_sent_message_is_queued_in_the_documented_shape(mock: Mock) -> None:
    r = send(mock)
    assert r.status_code == 202
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == MESSAGE_KEYS
    uuid.UUID(body["id"])
    assert body["created_at"] == body["updated_at"]
    datetime.fromisoformat(body["created_at"])
    assert {k: body[k] for k in MESSAGE_KEYS - {"id", "created_at", "updated_at"}} == {
        "campaign_id": None,
        "to": "+14155550123",
        "channel": "sms",
        "body": "Your verification code is 482913.",
        "sender_id": "ZIETT",
        "status": "queued",
        "error_code": None,
    }


def test_sent_message_is_read_back_by_id_and_listed(mock: Mock) -> None:
    sent = send(mock).json()
    r = mock.request("GET", f"{MESSAGES}/{sent['id']}", headers=KEY)
    assert (r.status_code, r.json()) == (200, sent)
    assert listed(mock) == {"total": 1, "page": 1, "size": 30, "pages": 1, "entries": [sent]}


def test_message_without_sender_id_has_null_sender(mock: Mock) -> None:
    body = {"to": "+447700900123", "channel": "whatsapp", "body": "Your order 1042 has shipped."}
    sent = send(mock, body).json()
    assert sent["sender_id"] is None
    assert mock.request("GET", f"{MESSAGES}/{sent['id']}", headers=KEY).json()["sender_id"] is None


def test_list_is_paginated_with_page_size_pages_and_total(mock: Mock) -> None:
    ids = [send(mock, {**SMS, "body": f"m{i}"}).json()["id"] for i in range(5)]
    pages = [listed(mock, page=n, size=2) for n in (1, 2, 3, 4)]
    assert [(p["page"], p["size"], p["pages"], p["total"]) for p in pages] == [
        (n, 2, 3, 5) for n in (1, 2, 3, 4)
    ]
    assert [len(p["entries"]) for p in pages] == [2, 2, 1, 0]
    seen = [e["id"] for p in pages for e in p["entries"]]
    assert sorted(seen) == sorted(ids)


def test_empty_list_has_zero_pages(mock: Mock) -> None:
    assert listed(mock) == {"total": 0, "page": 1, "size": 30, "pages": 0, "entries": []}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["late", "middle", "early"]),
        ({"order_by": "created_at", "order": "asc"}, ["early", "middle", "late"]),
        ({"order_by": "updated_at", "order": "desc"}, ["late", "middle", "early"]),
    ],
)
def test_list_is_ordered_as_asked(
    mock: Mock, monkeypatch: pytest.MonkeyPatch, params: dict[str, str], expected: list[str]
) -> None:
    # Sent out of time order, so the answer cannot be insertion order by accident.
    start = mock.runtime.clock()
    for label, offset in [("late", 20), ("early", 0), ("middle", 10)]:
        monkeypatch.setattr(mock.runtime, "clock", lambda offset=offset: start + offset)
        assert send(mock, {**SMS, "body": label}).status_code == 202
    assert [e["body"] for e in listed(mock, **params)["entries"]] == expected


def test_batch_is_accepted_and_read_with_the_oauth_token_of_the_same_credential(
    mock: Mock,
) -> None:
    r = batch(mock)
    assert r.status_code == 202
    accepted = r.json()
    assert set(accepted) == {"message", "campaign_id"}
    uuid.UUID(accepted["campaign_id"])
    r = mock.request("GET", campaign_url(accepted["campaign_id"]), headers=TOKEN)
    assert r.status_code == 200
    campaign = r.json()
    assert set(campaign) == {
        "id",
        "name",
        "channel",
        "status",
        "total_messages",
        "stats",
        "created_at",
        "updated_at",
    }
    assert (campaign["id"], campaign["name"], campaign["channel"]) == (
        accepted["campaign_id"],
        "Spring sale",
        "sms",
    )
    assert set(campaign["stats"]) == {"queued", "sent", "delivered", "failed"}


def test_campaign_counts_the_recipients_of_its_batch(mock: Mock) -> None:
    campaign_id = batch(mock).json()["campaign_id"]
    campaign = mock.request("GET", campaign_url(campaign_id), headers=TOKEN).json()
    assert campaign["total_messages"] == 3
    assert sum(campaign["stats"].values()) == 3


@pytest.mark.parametrize(
    ("url", "headers"),
    [(f"{MESSAGES}/{UNKNOWN_ID}", KEY), (campaign_url(UNKNOWN_ID), TOKEN)],
    ids=["message", "campaign"],
)
def test_unknown_id_is_resource_not_found(mock: Mock, url: str, headers: dict[str, str]) -> None:
    r = mock.request("GET", url, headers=headers)
    assert envelope(r, 404) == error(
        404, "RESOURCE_NOT_FOUND", "The requested resource was not found."
    )


# --- isolation and rejected requests ------------------------------------------------------------


def test_one_credential_never_sees_anothers_messages_or_campaigns(mock: Mock) -> None:
    sent = send(mock).json()
    campaign_id = batch(mock).json()["campaign_id"]
    other_key = {"X-API-Key": READ_ONLY["api_key"]}
    other_token = {"Authorization": f"Bearer {READ_ONLY['access_token']}"}
    assert listed(mock, headers=other_key)["entries"] == []
    assert mock.request("GET", f"{MESSAGES}/{sent['id']}", headers=other_key).status_code == 404
    assert mock.request("GET", campaign_url(campaign_id), headers=other_token).status_code == 404
    assert listed(mock)["entries"] == [sent]


def test_rejected_requests_leave_accepted_messages_intact(mock: Mock) -> None:
    sent = send(mock).json()
    rejected = [
        send(mock, {**SMS, "to": "nope"}),
        send(mock, {**SMS, "body": ""}),
        send(mock, headers={"X-API-Key": READ_ONLY["api_key"]}),
        send(mock, headers={**KEY, "prefer": "code=402"}),
        mock.request("POST", MESSAGES, content=b"{", headers={**KEY, "content-type": "text/plain"}),
    ]
    assert [r.status_code for r in rejected] == [400, 400, 403, 402, 415]
    assert listed(mock)["entries"] == [sent]
    assert mock.request("GET", f"{MESSAGES}/{sent['id']}", headers=KEY).json() == sent


# --- authentication ----------------------------------------------------------------------------

MISSING = error(401, "AUTH_MISSING_CREDENTIALS", "Authentication credentials were not provided.")
INVALID = error(401, "AUTH_INVALID_CREDENTIALS", "The provided credentials are invalid or expired.")


@pytest.mark.parametrize(
    ("layer", "headers", "expected"),
    [
        ("c/v1", {}, MISSING),
        ("c/v1", {"X-API-Key": "zt_test_ziett_key_9999"}, INVALID),
        ("c/v1", {"X-API-Key": SANDBOX["access_token"]}, INVALID),
        ("c/v1", TOKEN, MISSING),  # a bearer token is no credential for /c/v1 (ZE-19)
        ("v1", {}, MISSING),
        ("v1", {"Authorization": "Bearer ziett_sandbox_oauth_token_9999"}, INVALID),
        ("v1", {"Authorization": f"Bearer {SANDBOX['api_key']}"}, INVALID),
        ("v1", KEY, MISSING),  # an API key is no credential for /v1 (ZE-19)
        ("v1", {"Authorization": f"Basic {SANDBOX['access_token']}"}, MISSING),
    ],
    ids=[
        "c-none",
        "c-unknown-key",
        "c-token-as-key",
        "c-bearer-only",
        "v1-none",
        "v1-unknown-token",
        "v1-key-as-token",
        "v1-key-only",
        "v1-basic",
    ],
)
def test_credentials_per_layer(
    mock: Mock, layer: str, headers: dict[str, str], expected: dict[str, Any]
) -> None:
    url = f"{MESSAGES}/{UNKNOWN_ID}" if layer == "c/v1" else campaign_url(UNKNOWN_ID)
    assert envelope(mock.request("GET", url, headers=headers), 401) == expected


@pytest.mark.parametrize(
    "call",
    [lambda m, h: send(m, headers=h), lambda m, h: batch(m, headers=h)],
    ids=["send-needs-messages:send", "batch-needs-campaigns:write"],
)
def test_key_without_the_scope_is_refused_with_invalid_scope(mock: Mock, call: Any) -> None:
    body = envelope(call(mock, {"X-API-Key": READ_ONLY["api_key"]}), 403)
    assert (body["code"], body["message"]) == (
        "AUTH_INVALID_SCOPE",
        "Insufficient permissions (missing scope).",
    )


def test_key_with_the_read_scopes_can_read(mock: Mock) -> None:
    read_only = {"X-API-Key": READ_ONLY["api_key"]}
    token = {"Authorization": f"Bearer {READ_ONLY['access_token']}"}
    assert listed(mock, headers=read_only)["total"] == 0
    assert mock.request("GET", campaign_url(UNKNOWN_ID), headers=token).status_code == 404


def test_missing_scope_is_reported_as_the_docs_example(mock: Mock) -> None:
    r = send(mock, headers={"X-API-Key": READ_ONLY["api_key"]})
    expected = {k: v for k, v in DOCS_INVALID_SCOPE.items() if k not in {"trace_id", "timestamp"}}
    assert envelope(r, 403) == expected


# --- validation and unreadable requests --------------------------------------------------------

VALIDATION = "The request failed validation."


def test_docs_validation_example_reproduced(mock: Mock) -> None:
    r = send(mock, {"to": "+14155550123", "channel": "sms"})
    assert envelope(r, 400) == error(
        400, "VALIDATION_ERROR", VALIDATION, fields={"body": "This field is required."}
    )


def test_every_body_problem_is_one_fields_entry(mock: Mock) -> None:
    r = send(mock, {"to": "0415", "channel": "fax", "body": "", "sender_id": "x" * 21})
    assert envelope(r, 400)["fields"] == {
        "to": "Invalid format.",
        "channel": "Must be one of ['sms', 'whatsapp'].",
        "body": "This field is required.",
        "sender_id": "Must be at most 20 characters.",
    }


def test_nested_problems_are_named_by_dotted_path(mock: Mock) -> None:
    body = {**CAMPAIGN, "name": "", "recipients": ["+14155550123", "x", "+1", "+447700900123"]}
    assert envelope(batch(mock, body), 400)["fields"] == {
        "name": "This field is required.",
        "recipients.1": "Invalid format.",
        "recipients.2": "Invalid format.",
    }


def test_batch_needs_a_recipient(mock: Mock) -> None:
    fields = envelope(batch(mock, {**CAMPAIGN, "recipients": []}), 400)["fields"]
    assert fields == {"recipients": "Must contain at least 1 items."}


def test_every_query_problem_is_one_fields_entry(mock: Mock) -> None:
    params = {"page": "0", "size": "201", "order": "sideways", "order_by": "colour"}
    r = mock.request("GET", MESSAGES, params=params, headers=KEY)
    fields = envelope(r, 400)["fields"]
    assert set(fields) == {"page", "size", "order", "order_by"}
    assert fields["page"] == "Must be at least 1."
    assert fields["order"] == "Must be one of ['asc', 'desc']."
    assert fields["order_by"] == "Must be one of ['created_at', 'updated_at', 'status']."


@pytest.mark.parametrize(
    ("url", "headers", "field"),
    [(f"{MESSAGES}/not-a-uuid", KEY, "message_id"), (campaign_url("42"), TOKEN, "campaign_id")],
)
def test_malformed_path_id_is_a_validation_error(
    mock: Mock, url: str, headers: dict[str, str], field: str
) -> None:
    body = envelope(mock.request("GET", url, headers=headers), 400)
    assert (body["code"], list(body["fields"])) == ("VALIDATION_ERROR", [field])


@pytest.mark.parametrize(
    ("url", "params", "fields"),
    [
        (MESSAGES, {"size": "0"}, {"size": "Must be between 1 and 200."}),
        (f"{MESSAGES}/not-a-uuid", {}, {"message_id": "Must be a UUID."}),
    ],
    ids=["invalidQuery", "invalidPathId"],
)
def test_spec_parameter_examples_reproduced(
    mock: Mock, url: str, params: dict[str, str], fields: dict[str, str]
) -> None:
    r = mock.request("GET", url, params=params, headers=KEY)
    assert envelope(r, 400) == error(400, "VALIDATION_ERROR", VALIDATION, fields=fields)


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        (
            b"to=+14155550123",
            "application/x-www-form-urlencoded",
            (415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json."),
        ),
        (
            b"hello",
            "text/plain",
            (415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json."),
        ),
    ],
    ids=["form", "text"],
)
def test_non_json_bodies_are_415_in_the_envelope(
    mock: Mock, content: bytes, content_type: str, expected: tuple[int, str, str]
) -> None:
    r = mock.request(
        "POST", MESSAGES, content=content, headers={**KEY, "content-type": content_type}
    )
    assert envelope(r, expected[0]) == error(*expected)


# --- forced responses --------------------------------------------------------------------------

INSUFFICIENT_FUNDS = {
    "code": "BILLING_INSUFFICIENT_FUNDS",
    "message": "Insufficient funds to send the requested messages.",
    "status": 402,
    "trace_id": "4f5a6b7c8d9e40f1a2b3c4d5e6f7a8b9",
    "timestamp": "2025-02-17T18:25:08.940951+00:00",
    "service": "core",
}


@pytest.mark.parametrize(
    "how",
    [
        {"headers": {"prefer": "code=402"}},
        {"headers": {"prefer": "example=insufficientFunds"}},
        {"params": {"__code": "402"}},
        {"params": {"__example": "insufficientFunds"}},
    ],
    ids=["prefer-code", "prefer-example", "query-code", "query-example"],
)
@pytest.mark.parametrize(
    ("url", "body"), [(MESSAGES, SMS), (BATCH, CAMPAIGN)], ids=["send", "batch"]
)
def test_insufficient_funds_can_be_forced(
    mock: Mock, how: dict[str, Any], url: str, body: dict[str, Any]
) -> None:
    headers = {**KEY, **how.get("headers", {})}
    r = mock.request("POST", url, json=body, headers=headers, params=how.get("params"))
    assert (r.status_code, r.json()) == (402, INSUFFICIENT_FUNDS)


def test_docs_invalid_scope_example_can_be_forced(mock: Mock) -> None:
    r = send(mock, headers={**KEY, "prefer": "code=403, example=invalidScope"})
    assert (r.status_code, r.json()) == (403, DOCS_INVALID_SCOPE)


def test_forced_response_does_not_store_anything(mock: Mock) -> None:
    assert send(mock, headers={**KEY, "prefer": "code=202"}).status_code == 202
    assert listed(mock)["total"] == 0


def test_prefer_does_not_bypass_scope(mock: Mock) -> None:
    read_only = {"X-API-Key": READ_ONLY["api_key"], "prefer": "code=202"}
    assert send(mock, headers=read_only).status_code == 403


def test_forced_429_carries_retry_after_matching_its_message(mock: Mock) -> None:
    r = send(mock, headers={**KEY, "prefer": "code=429"})
    assert r.status_code == 429
    assert r.json()["message"] == "Rate limit exceeded. Retry after 42 seconds."
    assert r.headers["retry-after"] == "42"


# --- rate limits -------------------------------------------------------------------------------


def test_batch_is_limited_to_10_a_minute_per_key(mock: Mock) -> None:
    assert [batch(mock).status_code for _ in range(10)] == [202] * 10
    r = batch(mock)
    retry = r.headers["retry-after"]
    assert 1 <= int(retry) <= 60
    assert envelope(r, 429) == error(
        429, "RATE_LIMIT_EXCEEDED", f"Rate limit exceeded. Retry after {retry} seconds."
    )
    assert send(mock).status_code == 202  # other operations are unaffected
    assert listed(mock)["total"] == 1


@pytest.fixture(scope="module")
def two_senders(tmp_path_factory: pytest.TempPathFactory) -> Mock:
    """The mock with a second credential that may send (the sandbox file has only one)."""
    second = {
        "name": "second-sender",
        "api_key": "zt_test_ziett_key_0002",
        "access_token": "ziett_sandbox_oauth_token_0002",
        "scopes": SANDBOX["scopes"],
    }
    return mock_with_credential("ziett", second, tmp_path_factory.mktemp("ziett"))


def test_batch_limit_is_counted_per_key(two_senders: Mock) -> None:
    two_senders.runtime.reset()
    second = {"X-API-Key": "zt_test_ziett_key_0002"}
    assert [batch(two_senders).status_code for _ in range(11)] == [202] * 10 + [429]
    assert batch(two_senders, headers=second).status_code == 202


def test_two_sending_keys_never_see_each_others_messages(two_senders: Mock) -> None:
    two_senders.runtime.reset()
    second = {"X-API-Key": "zt_test_ziett_key_0002"}
    first_sent = send(two_senders).json()
    second_sent = send(two_senders, {**SMS, "body": "second"}, headers=second).json()
    assert listed(two_senders)["entries"] == [first_sent]
    assert listed(two_senders, headers=second)["entries"] == [second_sent]
    r = two_senders.request("GET", f"{MESSAGES}/{first_sent['id']}", headers=second)
    assert r.status_code == 404


def test_batch_accept_message_counts_the_real_recipients(mock: Mock) -> None:
    r = batch(mock)
    assert 200 <= r.status_code < 300, r.text
    assert r.json()["message"] == (
        "Campaign validation successful. Processing 3 messages in the background."
    )
    many = {**CAMPAIGN, "recipients": [f"+1415555{n:04d}" for n in range(1234)]}
    assert "Processing 1,234 messages" in batch(mock, many).json()["message"]

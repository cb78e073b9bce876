"""A Zipteams callback_url without a host is refused when the batch arrives (issue 9, item 8)."""

from __future__ import annotations

from typing import Any

HEADERS = {
    "x-api-key": "zt_sandbox_key_0001",
    "x-api-secret": "zt_sandbox_secret_0001",
    "x-tenant-id": "t",
    "x-sub-tenant-id": "s",
}
CALL = {
    "id": "cb1",
    "recording_url": "https://example.com/r.mp3",
    "start_time": "2023-01-01T10:00:00Z",
    "end_time": "2023-01-01T10:30:00Z",
    "contact_number": "+1234567890",
}


def post(mock: Any, url: str) -> Any:
    item = {"call": CALL, "agent": {"id": "a"}, "customer": {"id": "c"}, "callback_url": url}
    return mock.request(
        "POST", "/zipteams/api/v1/partner/ingest/batch-call", headers=HEADERS, json={"data": [item]}
    )


def test_callback_url_without_host_is_422_naming_the_field(mock: Any) -> None:
    response = post(mock, "https://")
    assert response.status_code == 422, response.text
    assert "data[0].callback_url" in response.text


def test_callback_url_with_host_is_accepted(mock: Any) -> None:
    assert post(mock, "https://partner.example.com/cb").status_code == 200

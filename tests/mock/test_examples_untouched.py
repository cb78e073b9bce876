"""Answers are built on the spec's shared examples; no request may change those examples."""

from __future__ import annotations

import copy

from tests.conftest import CREDENTIALS, Mock

VOICE = {"Authorization": f"Bearer {CREDENTIALS['voice'][0]['api_key']}"}
ZIETT = {"X-API-Key": CREDENTIALS["ziett"][0]["api_key"]}
D3 = {"X-API-Key": CREDENTIALS["360dialog"][0]["api_key"]}
AUDIO = "550e8400-e29b-41d4-a716-446655440000"


def all_examples(mock: Mock) -> dict[str, object]:
    return {
        f"{api.name}.{op_id}.{status}": copy.deepcopy(response.examples)
        for api in mock.runtime.apis
        for op_id, op in api.operations.items()
        for status, response in op.responses.items()
    }


def test_requests_leave_every_example_as_the_spec_has_it(mock: Mock) -> None:
    before = all_examples(mock)
    form = {"name": "M", "audio_id": AUDIO, "max_retries": "1", "concurrent_limit": "2"}
    csv = {"csv_file": ("p.csv", b"phone_number\n03001234567\n", "text/csv")}
    assert (
        mock.request(
            "POST", "/voice/api/v1/campaigns", data=form, files=csv, headers=VOICE
        ).status_code
        == 201
    )
    call = {"phone_number": "03001234567", "audio_id": AUDIO}
    assert mock.request("POST", "/voice/api/v1/calls", json=call, headers=VOICE).status_code == 201
    assert mock.request("GET", "/voice/api/v1/calls", headers=VOICE).status_code == 200
    batch = {"name": "n", "channel": "sms", "body": "b", "recipients": ["+14155550123"]}
    assert (
        mock.request("POST", "/ziett/c/v1/campaigns/batch", json=batch, headers=ZIETT).status_code
        == 202
    )
    patch = {"webhook_url": "https://me.example.com/h"}
    url = "/360dialog/api/v2/partners/examplePA"
    assert mock.request("PATCH", url, json=patch, headers=D3).status_code == 200
    assert mock.request("GET", url, headers=D3).status_code == 200
    assert all_examples(mock) == before


def test_state_is_never_shared_across_apis(mock: Mock) -> None:
    """Both the voice API and Ziett keep campaigns for a credential named "sandbox"."""
    form = {"name": "M", "audio_id": AUDIO}
    csv = {"csv_file": ("p.csv", b"03001234567\n", "text/csv")}
    created = mock.request("POST", "/voice/api/v1/campaigns", data=form, files=csv, headers=VOICE)
    assert created.status_code == 201
    token = {"Authorization": f"Bearer {CREDENTIALS['ziett'][0]['access_token']}"}
    r = mock.request("GET", f"/ziett/v1/campaigns/{created.json()['id']}", headers=token)
    assert r.status_code == 404

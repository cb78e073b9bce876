"""The mock answers as 360dialog documents (specs/360dialog.yaml, profiles/360dialog.yaml)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import CREDENTIALS, ROOT, Mock

SANDBOX, OTHER = CREDENTIALS["360dialog"]
KEY = {"X-API-Key": SANDBOX["api_key"]}
OTHER_KEY = {"X-API-Key": OTHER["api_key"]}
PARTNERS = "/360dialog/api/v2/partners"
OWN = f"{PARTNERS}/{SANDBOX['partner_id']}"
DOCS_PARTNER = json.loads(
    (ROOT / "tests/fixtures/docs/360dialog/get-partner-response.json").read_text()
)
DOCS_UPDATE = json.loads(
    (ROOT / "tests/fixtures/docs/360dialog/update-partner-request.json").read_text()
)
PARTNER = {**DOCS_PARTNER, "settings": None, "publishable_key": None}  # spec's examplePartner
EMPTY_BODY = (
    "Request body must contain at least one of: webhook_url, partner_redirect_url, "
    "allow_client_to_add_phone_no"
)


def meta(status: int, message: str) -> dict[str, Any]:
    return {"meta": {"success": False, "http_code": status, "developer_message": message}}


def refused(response: Any, status: int, message: str) -> None:
    assert (response.status_code, response.json()) == (status, meta(status, message))
    assert response.headers["content-type"] == "application/json"


def get(mock: Mock, url: str = OWN, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    return mock.request("GET", url, headers=KEY if headers is None else headers, **kw)


def patch(mock: Mock, body: Any, url: str = OWN, headers: dict[str, str] | None = None) -> Any:
    return mock.request("PATCH", url, json=body, headers=KEY if headers is None else headers)


# --- success bodies and state -----------------------------------------------------------------


def test_partner_is_the_documented_example(mock: Mock) -> None:
    r = get(mock)
    assert (r.status_code, r.json()) == (200, PARTNER)
    assert r.headers["content-type"] == "application/json"


def test_docs_update_answers_the_whole_updated_partner_and_get_reflects_it(mock: Mock) -> None:
    r = patch(mock, DOCS_UPDATE)
    assert (r.status_code, r.json()) == (200, {**PARTNER, **DOCS_UPDATE})
    assert get(mock).json() == {**PARTNER, **DOCS_UPDATE}


@pytest.mark.parametrize(
    "change",
    [
        {"webhook_url": "https://hooks.example.org/360"},
        {"partner_redirect_url": "http://localhost:8000/done"},
        {"allow_client_to_add_phone_no": False},
    ],
    ids=["webhook", "redirect", "phone-switch"],
)
def test_patch_then_get_reflects_the_change(mock: Mock, change: dict[str, Any]) -> None:
    ((field, value),) = change.items()
    assert patch(mock, change).json()[field] == value
    assert get(mock).json()[field] == value


def test_successive_patches_accumulate(mock: Mock) -> None:
    patch(mock, {"webhook_url": "https://a.example.org/hook"})
    patch(mock, {"allow_client_to_add_phone_no": False})
    patch(mock, {"partner_redirect_url": "https://a.example.org/done"})
    assert get(mock).json() == {
        **PARTNER,
        "webhook_url": "https://a.example.org/hook",
        "partner_redirect_url": "https://a.example.org/done",
        "allow_client_to_add_phone_no": False,
    }


def test_patch_keeps_the_fields_it_does_not_send(mock: Mock) -> None:
    change = {"webhook_url": "https://hooks.example.org/360"}
    assert patch(mock, change).json() == {**PARTNER, **change}
    assert get(mock).json() == {**PARTNER, **change}


# --- ownership and isolation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "partner_id", [OTHER["partner_id"], "noSuchPartner"], ids=["other-partners", "unknown"]
)
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_any_partner_but_the_keys_own_is_not_found(
    mock: Mock, method: str, partner_id: str
) -> None:
    r = mock.request(
        method, f"{PARTNERS}/{partner_id}", json={"webhook_url": "https://x.org"}, headers=KEY
    )
    refused(r, 404, "Partner not found")


def test_each_key_sees_only_its_own_partners_changes(mock: Mock) -> None:
    patch(mock, {"webhook_url": "https://sandbox.example.org/hook"})
    other = get(mock, f"{PARTNERS}/{OTHER['partner_id']}", headers=OTHER_KEY)
    assert other.status_code == 200
    assert other.json()["webhook_url"] == PARTNER["webhook_url"]
    other_change = {"webhook_url": "https://other.example.org/hook"}
    r = patch(mock, other_change, f"{PARTNERS}/{OTHER['partner_id']}", OTHER_KEY)
    assert r.status_code == 200
    assert get(mock).json()["webhook_url"] == "https://sandbox.example.org/hook"


def test_other_key_reads_its_own_partner_id(mock: Mock) -> None:
    r = get(mock, f"{PARTNERS}/{OTHER['partner_id']}", headers=OTHER_KEY)
    assert r.json()["id"] == OTHER["partner_id"]


# --- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Missing X-API-Key header"),
        ({"X-API-Key": ""}, "Missing X-API-Key header"),
        ({"X-API-Key": "d3_sandbox_partner_key_9999"}, "Invalid API key"),
        ({"Authorization": f"Bearer {SANDBOX['api_key']}"}, "Missing X-API-Key header"),
    ],
    ids=["none", "empty", "unknown", "as-bearer"],
)
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_missing_or_unknown_key_is_401(
    mock: Mock, method: str, headers: dict[str, str], message: str
) -> None:
    r = mock.request(method, OWN, json={"webhook_url": "https://x.org"}, headers=headers)
    refused(r, 401, message)


def test_key_of_another_partner_is_not_found_not_forbidden(mock: Mock) -> None:
    refused(get(mock, headers=OTHER_KEY), 404, "Partner not found")


# --- validation and unreadable requests --------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, EMPTY_BODY),
        ({"webhook_url": "not a url"}, "webhook_url: not a valid URL"),
        (
            {"allow_client_to_add_phone_no": "yes"},
            "allow_client_to_add_phone_no: must be a boolean",
        ),
        (
            {"webhook_url": "nope", "allow_client_to_add_phone_no": 1},
            "allow_client_to_add_phone_no: must be a boolean; webhook_url: not a valid URL",
        ),
        ({"brand_name": "x"}, "Unknown field: brand_name"),
        ({"id": "otherPA", "country": "DE"}, "Unknown field: id; Unknown field: country"),
    ],
    ids=["empty", "not-a-url", "wrong-type", "two-problems", "read-only-field", "two-unknown"],
)
def test_invalid_patch_is_400_with_one_message_naming_every_problem(
    mock: Mock, body: dict[str, Any], message: str
) -> None:
    refused(patch(mock, body), 400, message)


def test_patch_without_body_is_answered_like_an_empty_one(mock: Mock) -> None:
    r = mock.request("PATCH", OWN, headers={**KEY, "content-type": "application/json"})
    refused(r, 400, EMPTY_BODY)


def test_null_is_one_problem(mock: Mock) -> None:
    refused(patch(mock, {"webhook_url": None}), 400, "webhook_url: must be a string")


def test_spec_unknown_property_example_reproduced(mock: Mock) -> None:
    refused(patch(mock, {"brand_name": "x"}), 400, "Unknown field: brand_name")


def test_body_is_validated_before_ownership(mock: Mock) -> None:
    r = patch(mock, {}, url=f"{PARTNERS}/{OTHER['partner_id']}")
    refused(r, 400, EMPTY_BODY)


@pytest.mark.parametrize(
    ("content", "content_type", "status", "message"),
    [
        (b"webhook_url=https://x.org", "application/x-www-form-urlencoded", 415, None),
        (b"https://x.org", "text/plain", 415, None),
    ],
    ids=["form", "text"],
)
def test_non_json_bodies_are_415_in_the_envelope(
    mock: Mock, content: bytes, content_type: str, status: int, message: str | None
) -> None:
    r = mock.request("PATCH", OWN, content=content, headers={**KEY, "content-type": content_type})
    refused(r, status, message or "Content-Type must be application/json")


# --- forced responses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "status", "message"),
    [
        ({"params": {"__example": "otherPartnersId"}}, 404, "Partner not found"),
        ({"params": {"__code": "500"}}, 500, "Internal server error"),
        ({"headers": {"prefer": "example=invalidApiKey"}}, 401, "Invalid API key"),
        (
            {"headers": {"prefer": "code=401, example=missingApiKey"}},
            401,
            "Missing X-API-Key header",
        ),
    ],
)
def test_prefer_and_query_select_named_examples(
    mock: Mock, how: dict[str, Any], status: int, message: str
) -> None:
    r = get(mock, headers={**KEY, **how.get("headers", {})}, params=how.get("params"))
    refused(r, status, message)


def test_forced_patch_error_stores_nothing(mock: Mock) -> None:
    r = mock.request(
        "PATCH", OWN, json=DOCS_UPDATE, headers={**KEY, "prefer": "example=unknownProperty"}
    )
    refused(r, 400, "Unknown field: brand_name")
    assert get(mock).json() == PARTNER


# --- rate limit and rejected requests ----------------------------------------------------------


def test_rejected_patch_changes_nothing(mock: Mock) -> None:
    accepted = patch(mock, {"webhook_url": "https://kept.example.org/hook"}).json()
    rejected = [
        patch(mock, {"webhook_url": "https://lost.example.org/hook", "brand_name": "x"}),
        patch(mock, {"webhook_url": "https://lost.example.org/hook", "partner_redirect_url": 1}),
        patch(mock, {"webhook_url": "https://lost.example.org/hook"}, f"{PARTNERS}/otherPA"),
        patch(mock, {"webhook_url": "https://lost.example.org/hook"}, headers={"X-API-Key": "x"}),
    ]
    assert [r.status_code for r in rejected] == [400, 400, 404, 401]
    assert get(mock).json() == accepted


@pytest.mark.parametrize("body", [[], 42, "x", [{"webhook_url": "https://a.example.com"}]])
def test_json_that_is_not_an_object_is_refused_in_words(mock: Mock, body: Any) -> None:
    """A whole body of the wrong type has no field to name; it was worded "must be a object"."""
    refused(patch(mock, body), 400, "Request body must be a JSON object")

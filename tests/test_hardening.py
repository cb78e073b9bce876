"""Hostile input: strict JSON, malformed JWT claims, and secrets that must never reach the
journal (issue 14)."""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest

from tests.conftest import CREDENTIALS, Mock
from tests.mock.test_360dialog import KEY, OWN
from tests.mock.test_voice import AUTH, BALANCE, CALLS
from tests.mock.test_zipteams import HEADERS

BATCH = "/zipteams/api/v1/partner/ingest/batch-call"
JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"data": [{"call": {"id": "c1", "duration": NaN}}]}', "data[0].call.duration"),
        (b'{"data": [{"call": {"id": "c1", "duration": -Infinity}}]}', "data[0].call.duration"),
        (b'{"data": [{"call": {"id": "c1", "duration": 1e999999}}]}', "data[0].call.duration"),
    ],
    ids=["nan", "-infinity", "overflow"],
)
def test_non_finite_numbers_are_refused_naming_the_field(
    mock: Mock, body: bytes, field: str
) -> None:
    r = mock.request("POST", BATCH, content=body, headers={**HEADERS, **JSON})
    assert r.status_code == 422, r.text
    assert r.json()["message"] == "Validation failed"
    assert field in [e["field"] for e in r.json()["errors"]]
    entries = mock.runtime.journal.query(limit=5)
    json.dumps(entries, allow_nan=False)  # the journal stays valid JSON


ZIETT_SEND = "/ziett/c/v1/messages"
ZIETT_KEY = {"X-API-Key": CREDENTIALS["ziett"][0]["api_key"]}


@pytest.mark.parametrize(
    ("method", "url", "headers", "body", "status", "field"),
    [
        ("POST", ZIETT_SEND, ZIETT_KEY, rb'{"to":"+14155550199","channel":"sms","body":"hi \ud800"}', 400, "body"),
        ("POST", "/voice/api/v1/auth/login", {}, rb'{"email":"ops@example.com","password":"\ud800"}', 422, "password"),
        ("PATCH", OWN, KEY, rb'{"webhook_url":"https://a.example/\udfff"}', 400, "webhook_url"),
        ("POST", BATCH, HEADERS, rb'{"data":[{"call":{"id":"\ud800x"}}]}', 422, "data[0].call.id"),
        ("POST", BATCH, HEADERS, rb'{"data":[{"\udc00":1}]}', 422, "data[0].\\udc00"),
        ("POST", BATCH, HEADERS, b'{"data":[{"call":{"id":"c1","duration":' + b"9" * 4301 + b"}}]}", 422, "data[0].call.duration"),
    ],
    ids=["ziett-lone-high", "voice-login-lone-high", "360dialog-lone-low", "zipteams-lone-high", "zipteams-key-lone-low", "zipteams-4301-digits"],
)  # fmt: skip
def test_unwritable_strings_and_huge_integers_are_refused_naming_the_field(
    mock: Mock, method: str, url: str, headers: dict[str, str], body: bytes, status: int,
    field: str,
) -> None:  # fmt: skip
    """A lone surrogate escape parses in Python but no UTF-8 answer, journal or store can hold
    it (it was a 500 that stored the message anyway, and every later list a 500); an integer
    past Python's 4,300 digits read as "malformed JSON". Both are the partner's validation
    answer now, nothing is stored, and the journal keeps the refused body."""
    r = mock.request(method, url, content=body, headers={**headers, **JSON})
    assert r.status_code == status, r.text
    text = r.text.replace("\\\\", "\\")  # the field as the JSON text escapes it, unescaped
    assert field in text, r.text
    assert "lone UTF-16 surrogate" in text or "4301 digits is out of range" in text, r.text
    (entry,) = mock.runtime.journal.query(limit=1)
    assert entry["status"] == status and entry["path"] == url
    admin = mock.request("GET", "/__mock/requests?limit=1")
    assert admin.status_code == 200 and admin.json()["entries"][0]["status"] == status
    if url == ZIETT_SEND:
        listed = mock.request("GET", ZIETT_SEND, headers=ZIETT_KEY)
        assert listed.status_code == 200 and listed.json()["total"] == 0, listed.text


UNTYPED = [
    ("POST", BATCH, HEADERS),
    ("POST", ZIETT_SEND, ZIETT_KEY),
    ("PATCH", OWN, KEY),
    ("POST", CALLS, AUTH),
]


@pytest.mark.parametrize(("method", "url", "headers"), UNTYPED, ids=[u[1] for u in UNTYPED])
@pytest.mark.parametrize("how", ["no-header", "empty-header", "chunked"])
def test_a_body_that_names_no_content_type_gets_the_partners_415(
    mock: Mock, method: str, url: str, headers: dict[str, str], how: str
) -> None:
    """Connexion read it as the first documented type (a "best guess"); the partners' servers
    do not, and every doc example sends one: a client that forgets it must learn it here."""
    body = b'{"to": "+14155550199"}'
    wrong = mock.request(method, url, content=body, headers={**headers, "content-type": "text/x"})
    if how == "chunked":
        sent = mock.request(method, url, content=iter([body]), headers=headers)
        assert sent.request.headers.get("transfer-encoding") == "chunked"
    else:
        extra = {"content-type": ""} if how == "empty-header" else {}
        sent = mock.request(method, url, content=body, headers={**headers, **extra})
    assert "content-type" not in {k for k, v in sent.request.headers.items() if v}
    assert sent.status_code == wrong.status_code == 415, sent.text
    assert sorted(sent.json()) == sorted(wrong.json())  # the partner's own 415 envelope
    empty = mock.request(method, url, headers=headers)  # no body at all: not a media-type matter
    assert empty.status_code != 415, empty.text


def test_a_negative_integer_of_4300_digits_is_a_number_not_a_refusal(mock: Mock) -> None:
    """The minus sign is not a digit: int() takes "-" and 4,300 digits."""
    body = b'{"data":[{"call":{"id":"c1","duration":-' + b"9" * 4300 + b"}}]}"
    r = mock.request("POST", BATCH, content=body, headers={**HEADERS, **JSON})
    assert "out of range" not in r.text, r.text[:300]


def test_paired_surrogate_escapes_are_one_character_and_accepted(mock: Mock) -> None:
    body = rb'{"to":"+14155550199","channel":"sms","body":"hi \ud83d\ude00"}'
    r = mock.request("POST", ZIETT_SEND, content=body, headers={**ZIETT_KEY, **JSON})
    assert r.status_code in (200, 201, 202), r.text
    listed = mock.request("GET", ZIETT_SEND, headers=ZIETT_KEY).json()
    assert listed["total"] == 1 and "\U0001f600" in listed["entries"][0]["body"]


def test_nan_in_a_string_field_says_not_valid_json_not_the_wrong_type(mock: Mock) -> None:
    body = b'{"data": [{"call": {"id": NaN}}]}'
    r = mock.request("POST", BATCH, content=body, headers={**HEADERS, **JSON})
    assert r.status_code == 422, r.text
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert errors["data[0].call.id"] == (
        "data[0].call.id is not valid JSON: NaN is not a finite number"
    )


def test_a_non_finite_patch_is_refused_by_another_partner_too(mock: Mock) -> None:
    r = mock.request("PATCH", OWN, content=b'{"webhook_url": NaN}', headers={**KEY, **JSON})
    assert r.status_code == 400
    assert "webhook_url" in r.json()["meta"]["developer_message"]
    assert "not a finite number" in r.json()["meta"]["developer_message"]


def _token(mock: Mock, **claims: Any) -> dict[str, str]:
    secret = mock.runtime.config.jwt_secret
    return {"Authorization": "Bearer " + jwt.encode({"sub": "sandbox", **claims}, secret, "HS256")}


@pytest.mark.parametrize("exp", ["abc", "nan", None, [1]], ids=["abc", "nan", "null", "list"])
def test_a_malformed_exp_claim_is_401_not_500_nor_forever(mock: Mock, exp: Any) -> None:
    r = mock.request("GET", BALANCE, headers=_token(mock, exp=exp))
    assert r.status_code == 401, r.text


def test_a_well_formed_token_still_works(mock: Mock) -> None:
    later = int(mock.runtime.clock()) + 600
    assert mock.request("GET", BALANCE, headers=_token(mock, exp=later)).status_code == 200


# --- secrets never journaled ---------------------------------------------------------------

SECRETS = sorted(
    {
        str(value)
        for creds in CREDENTIALS.values()
        for cred in creds
        for key, value in cred.items()
        if key not in {"name", "scopes", "partner_id", "email"} and isinstance(value, str)
    }
    | {"hunter2-plain-password", "s3cr3t-client-value", "userpass-in-url", "AKIAEXAMPLEACCESS1"}
)


# ruff: noqa: E501  (one hostile request a line reads best)
def _hostile_requests() -> list[tuple[str, str, dict[str, str], bytes]]:
    secret = "hunter2-plain-password"
    return [
        ("POST", BATCH, {**HEADERS, **JSON}, b'{"password": "hunter2-plain-password" oops'),
        ("POST", BATCH, {**HEADERS, **JSON}, json.dumps({"pwd": secret, "x": "y" * 5000}).encode()),
        ("POST", BATCH, {**HEADERS, **JSON}, json.dumps({"client_secret": "s3cr3t-client-value"}).encode()),
        ("POST", BATCH, {**HEADERS, **JSON}, json.dumps({"deep": [{"apiKey": secret}], "x-api-key": secret}).encode()),
        ("POST", BATCH, {**HEADERS, **JSON}, b'{"data": [{"callback_url": "https://u:userpass-in-url@h.example/x"}]}'),
        ("GET", f"/voice/api/v1/calls?api_key={CREDENTIALS['voice'][0]['api_key']}", {}, b""),
        ("GET", "/nothing-here", {"X-Auth-Token": secret}, b""),
        ("POST", "/voice/api/v1/auth/login", {"content-type": "application/x-www-form-urlencoded"}, b"password=hunter2-plain-password"),
        ("GET", BALANCE, {"Authorization": f"Bearer {CREDENTIALS['voice'][0]['api_key']}"}, b""),
        ("GET", OWN, KEY, b""),
        ("GET", OWN, {**KEY, "X-Access-Key": "AKIAEXAMPLEACCESS1"}, b""),
    ]  # fmt: skip


def test_no_secret_shape_reaches_the_journal_through_any_route(mock: Mock) -> None:
    for method, url, headers, body in _hostile_requests():
        mock.request(method, url, headers=headers, content=body)
    dumped = json.dumps(mock.runtime.journal.query(limit=500))
    leaked = [s for s in SECRETS if s in dumped]
    assert leaked == [], leaked
    assert len(mock.runtime.journal.query(limit=500)) == len(_hostile_requests())


def test_an_unparseable_body_is_stored_as_size_hash_and_masked_preview(mock: Mock) -> None:
    body = b'{"password": "hunter2-plain-password" oops'
    mock.request("POST", BATCH, content=body, headers={**HEADERS, **JSON})
    stored = mock.runtime.journal.query(limit=1)[0]["body"]
    assert set(stored) == {"size", "sha256", "preview"}
    assert stored["size"] == len(body)
    assert "hunter2" not in stored["preview"]


def test_deep_json_is_refused_and_still_journaled(mock: Mock) -> None:
    body = b'{"data": ' + b"[" * 990 + b"]" * 990 + b"}"
    r = mock.request("POST", BATCH, content=body, headers={**HEADERS, **JSON})
    assert 400 <= r.status_code < 500
    entry = mock.runtime.journal.query(limit=1)[0]
    assert (entry["path"], entry["status"]) == (BATCH, r.status_code)


def test_json_deeper_than_orjson_writes_is_still_journaled(mock: Mock) -> None:
    depth = 300  # parsed (under 512 brackets) but past orjson's 254 levels when written
    body = b'{"data": ' + b"[" * depth + b"]" * depth + b"}"
    mock.request("GET", "/__mock/health")
    r = mock.request("POST", BATCH, content=body, headers={**HEADERS, **JSON})
    assert r.status_code == 422
    entry = mock.runtime.journal.query(limit=1)[0]
    assert (entry["path"], entry["status"]) == (BATCH, 422)


# --- chunked bodies ------------------------------------------------------------------------


def _chunks(data: bytes, size: int = 1000) -> Any:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_a_chunked_body_is_read_and_validated_like_any_other(mock: Mock) -> None:
    body = json.dumps({"data": [{"call": {"id": "c1"}}]}).encode()
    r = mock.request("POST", BATCH, content=_chunks(body, 7), headers={**HEADERS, **JSON})
    plain = mock.request("POST", BATCH, content=body, headers={**HEADERS, **JSON})
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert (r.status_code, r.json()) == (plain.status_code, plain.json())
    assert r.status_code == 422  # the same problems as the same body sent with a length
    empty = mock.request(
        "POST", BATCH, content=_chunks(b'{"data": []}'), headers={**HEADERS, **JSON}
    )
    assert empty.json()["errors"][0]["message"] == "data must contain at least 1 elements"


def test_a_chunked_body_over_the_limit_is_413(mock: Mock) -> None:
    big = b" " * (5 * 1024 * 1024 + 10)
    r = mock.request("POST", BATCH, content=_chunks(big, 65536), headers={**HEADERS, **JSON})
    assert (r.status_code, r.json()["message"]) == (413, "Payload too large")


def test_a_preview_masks_snake_and_kebab_secret_keys(mock: Mock) -> None:
    body = b'{"api_key": "zc_live_abcdef123456", "x-api-secret": "s3cr3t-client-value" broken'
    mock.request("POST", BATCH, content=body, headers={**HEADERS, **JSON})
    preview = mock.runtime.journal.query(limit=1)[0]["body"]["preview"]
    assert "zc_live_abcdef123456" not in preview
    assert "s3cr3t-client-value" not in preview

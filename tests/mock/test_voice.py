"""The mock answers as the voice-call API documents (specs/voice.yaml, profiles/voice.yaml)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt
import pytest

from tests.conftest import CREDENTIALS, ROOT, Mock, mock_with_credential, ns

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

SANDBOX, EMPTY_WALLET = CREDENTIALS["voice"]
SECRET = "test-secret"  # the fixtures' Config(jwt_secret=...)
AUTH = {"Authorization": f"Bearer {SANDBOX['api_key']}"}
EMPTY = {"Authorization": f"Bearer {EMPTY_WALLET['api_key']}"}
BASE = "/voice/api/v1"
LOGIN, CALLS, CAMPAIGNS, BALANCE = (
    f"{BASE}/{p}" for p in ("auth/login", "calls", "campaigns", "balance")
)
AUDIO = "550e8400-e29b-41d4-a716-446655440000"  # the one pre-uploaded audio file (VC-09)
UNKNOWN_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
CALL = json.loads((ROOT / "tests/fixtures/docs/voice/place-call-request.json").read_text())
DOCS_INSUFFICIENT = json.loads(
    (ROOT / "tests/fixtures/docs/voice/error-insufficient-balance.json").read_text()
)
DOC_CSV = b"phone_number\n03001234567\n03211234567\n+923451234567\n"
CALL_KEYS = {
    "id",
    "phone_number",
    "audio_id",
    "campaign_id",
    "status",
    "duration_seconds",
    "cost",
    "currency",
    "created_at",
    "ended_at",
}
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def error(code: str, message: str, details: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


MISSING = error("UNAUTHORIZED", "Missing or malformed Authorization header.")
INVALID = error("UNAUTHORIZED", "Invalid or expired token.")
NOT_FOUND = error("NOT_FOUND", "Not found.")
AUDIO_NOT_FOUND = error(
    "NOT_FOUND", "Audio file not found.", {"audio_id": "No audio file with this id."}
)
SUSPENDED = error("FORBIDDEN", "This account is suspended.")


def refused(response: Any, status: int, body: dict[str, Any]) -> None:
    assert (response.status_code, response.json()) == (status, body)
    assert response.headers["content-type"] == "application/json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def place(mock: Mock, body: Any = None, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    return mock.request(
        "POST", CALLS, json=CALL if body is None else body, headers=headers or AUTH, **kw
    )


def calls(mock: Mock, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    r = mock.request("GET", CALLS, params=params, headers=headers or AUTH)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def balance(mock: Mock, headers: dict[str, str] | None = None) -> float:
    r = mock.request("GET", BALANCE, headers=headers or AUTH)
    assert r.status_code == 200, r.text
    return float(r.json()["balance"])


def campaign(
    mock: Mock, csv: bytes = DOC_CSV, headers: dict[str, str] | None = None, **fields: Any
) -> Any:
    """POST a campaign form; a field given as None is left out."""
    form = {
        "name": "March Promotion",
        "audio_id": AUDIO,
        "max_retries": "3",
        "concurrent_limit": "10",
        **fields,
    }
    return mock.request(
        "POST",
        CAMPAIGNS,
        data={k: v for k, v in form.items() if v is not None},
        files={"csv_file": ("numbers.csv", csv, "text/csv")},
        headers=headers or AUTH,
    )


def login(mock: Mock, email: str = SANDBOX["email"], password: str = SANDBOX["password"]) -> Any:
    return mock.request("POST", LOGIN, json={"email": email, "password": password})


def token_of(mock: Mock, credential: dict[str, Any] = SANDBOX) -> str:
    r = login(mock, credential["email"], credential["password"])
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def signed(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def later(seconds: int) -> int:
    return int(time.time()) + seconds


# --- calls, balance and login ------------------------------------------------------------------


def test_placed_call_is_queued_in_the_documented_shape(mock: Mock) -> None:
    r = place(mock)
    assert r.status_code == 201
    body = r.json()
    assert set(body) == CALL_KEYS
    uuid.UUID(body["id"])
    datetime.fromisoformat(body["created_at"])
    assert {k: body[k] for k in CALL_KEYS - {"id", "created_at"}} == {
        "phone_number": "03001234567",
        "audio_id": AUDIO,
        "campaign_id": None,
        "status": "QUEUED",
        "duration_seconds": None,
        "cost": None,
        "currency": "PKR",
        "ended_at": None,
    }


@pytest.mark.parametrize("number", ["03001234567", "+923001234567", "03451234567"])
def test_number_is_echoed_as_submitted(mock: Mock, number: str) -> None:
    assert place(mock, {**CALL, "phone_number": number}).json()["phone_number"] == number


def test_unknown_body_fields_are_ignored(mock: Mock) -> None:
    r = place(mock, {**CALL, "caller_id": "042111222333"})
    assert r.status_code == 201
    assert "caller_id" not in r.json()


def test_balance_is_documented_shape_and_drops_by_one_minute_per_call(mock: Mock) -> None:
    r = mock.request("GET", BALANCE, headers=AUTH)
    assert (r.status_code, r.json()) == (
        200,
        {"balance": 100.0, "currency": "PKR", "rate_per_minute": 2.5},
    )
    place(mock)
    assert balance(mock) == 97.5
    place(mock)
    assert balance(mock) == 95.0


def test_empty_wallet_is_refused_with_the_docs_error_and_charged_nothing(mock: Mock) -> None:
    refused(place(mock, headers=EMPTY), 403, DOCS_INSUFFICIENT)
    assert balance(mock, EMPTY) == 0.0
    assert calls(mock, EMPTY)["total"] == 0


def test_sandbox_balance_runs_out_after_40_calls(mock: Mock) -> None:
    assert {place(mock).status_code for _ in range(40)} == {201}
    assert balance(mock) == 0.0
    refused(place(mock), 403, DOCS_INSUFFICIENT)
    assert calls(mock, per_page=1)["total"] == 40


def test_login_issues_a_bearer_jwt_valid_for_an_hour(mock: Mock) -> None:
    r = login(mock)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("bearer", 3600)
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 3600


def test_jwt_and_api_key_reach_the_same_account(mock: Mock) -> None:
    token = bearer(token_of(mock))
    placed = place(mock, headers=token)
    assert placed.status_code == 201
    assert calls(mock)["data"] == [placed.json()]
    assert balance(mock, token) == 97.5


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ops@example.com", "wrong-password"),
        ("nobody@example.com", "sandbox-password"),
        ("OPS@example.com", "sandbox-password"),
    ],
    ids=["wrong-password", "unknown-email", "other-case"],
)
def test_login_with_wrong_credentials_is_401(mock: Mock, email: str, password: str) -> None:
    refused(login(mock, email, password), 401, error("UNAUTHORIZED", "Invalid email or password."))


def test_docs_login_validation_example_reproduced(mock: Mock) -> None:
    r = mock.request("POST", LOGIN, json={"email": "ops@example.com"})
    refused(
        r,
        422,
        error(
            "VALIDATION_ERROR", "The request is invalid.", {"password": "This field is required."}
        ),
    )


def test_every_login_problem_is_one_details_entry(mock: Mock) -> None:
    r = mock.request("POST", LOGIN, json={"email": "ops", "password": ""})
    details = {"email": "Must be a valid email.", "password": "This field is required."}
    refused(r, 422, error("VALIDATION_ERROR", "The request is invalid.", details))


# --- credentials refused -----------------------------------------------------------------------


def _tampered(_: Mock) -> str:
    header, _payload, signature = signed({"sub": SANDBOX["name"], "exp": later(3600)}).split(".")
    claims = {"sub": EMPTY_WALLET["name"], "exp": later(3600)}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


TOKENS: dict[str, Callable[[Mock], str]] = {
    "expired": lambda m: signed({"sub": "sandbox", "iat": later(-7200), "exp": later(-3600)}),
    "other-secret": lambda m: signed({"sub": "sandbox", "exp": later(3600)}, "x" * 32),
    "tampered-payload": _tampered,
    "truncated-signature": lambda m: token_of(m)[:-4],
    "alg-none": lambda m: jwt.encode({"sub": "sandbox", "exp": later(3600)}, None, "none"),
    "no-exp": lambda m: signed({"sub": "sandbox"}),
    "unknown-subject": lambda m: signed({"sub": "nobody", "exp": later(3600)}),
    "unknown-key": lambda m: "zc_live_sandbox_key_9999",
    "key-without-prefix": lambda m: SANDBOX["api_key"].removeprefix("zc_live_"),
    "password-as-token": lambda m: SANDBOX["password"],
}


@pytest.mark.parametrize("make", TOKENS.values(), ids=TOKENS.keys())
def test_bad_bearer_token_is_401_invalid(mock: Mock, make: Callable[[Mock], str]) -> None:
    refused(mock.request("GET", BALANCE, headers=bearer(make(mock))), 401, INVALID)


def test_a_token_signed_like_the_mocks_own_is_accepted(mock: Mock) -> None:
    token = signed({"sub": EMPTY_WALLET["name"], "exp": later(60)})
    assert balance(mock, bearer(token)) == 0.0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {SANDBOX['api_key']}"},
        {"Authorization": SANDBOX["api_key"]},
        {"X-API-Key": SANDBOX["api_key"]},
    ],
    ids=["none", "empty", "bearer-only", "bearer-blank", "basic", "no-scheme", "x-api-key"],
)
def test_missing_or_malformed_authorization_is_401_missing(
    mock: Mock, headers: dict[str, str]
) -> None:
    refused(mock.request("GET", BALANCE, headers=headers), 401, MISSING)


def test_jwt_expires_after_its_lifetime(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    issued = mock.runtime.clock()
    monkeypatch.setattr(mock.runtime, "clock", lambda: issued)
    token = bearer(token_of(mock))
    monkeypatch.setattr(mock.runtime, "clock", lambda: issued + 3599)
    assert mock.request("GET", BALANCE, headers=token).status_code == 200
    monkeypatch.setattr(mock.runtime, "clock", lambda: issued + 3600)
    refused(mock.request("GET", BALANCE, headers=token), 401, INVALID)
    assert mock.request("GET", BALANCE, headers=AUTH).status_code == 200  # keys do not expire


# --- rate-limit headers on every response ------------------------------------------------------

Request = Callable[[Mock], Any]
REQUESTS: list[Any] = [
    pytest.param(lambda m: m.request("GET", BALANCE, headers=AUTH), 200, id="balance-200"),
    pytest.param(lambda m: place(m), 201, id="call-201"),
    pytest.param(lambda m: campaign(m), 201, id="campaign-201"),
    pytest.param(lambda m: login(m), 200, id="login-200"),
    pytest.param(lambda m: login(m, password="x"), 401, id="login-401"),
    pytest.param(
        lambda m: m.request(
            "POST", CALLS, content=b"{", headers={**AUTH, "content-type": "application/json"}
        ),
        400,
        id="malformed-400",
    ),
    pytest.param(lambda m: m.request("GET", BALANCE), 401, id="missing-401"),
    pytest.param(lambda m: m.request("GET", BALANCE, headers=bearer("x.y.z")), 401, id="jwt-401"),
    pytest.param(lambda m: place(m, headers=EMPTY), 403, id="balance-403"),
    pytest.param(lambda m: place(m, {**CALL, "audio_id": UNKNOWN_ID}), 404, id="audio-404"),
    pytest.param(
        lambda m: m.request("GET", f"{CAMPAIGNS}/{UNKNOWN_ID}", headers=AUTH),
        404,
        id="campaign-404",
    ),
    pytest.param(
        lambda m: m.request(
            "POST", CALLS, content=b"x", headers={**AUTH, "content-type": "text/plain"}
        ),
        415,
        id="media-415",
    ),
    pytest.param(lambda m: place(m, {}), 422, id="validation-422"),
    pytest.param(lambda m: place(m, headers={**AUTH, "prefer": "code=403"}), 403, id="forced-403"),
    pytest.param(lambda m: place(m, headers={**AUTH, "prefer": "code=429"}), 429, id="forced-429"),
    pytest.param(lambda m: place(m, params={"__code": "500"}), 500, id="forced-500"),
    pytest.param(
        lambda m: m.request("GET", f"{BASE}/recordings", headers=AUTH),
        404,
        id="unknown-path-404",
    ),
    pytest.param(
        lambda m: m.request("DELETE", CALLS, headers=AUTH),
        405,
        id="method-405",
    ),
    pytest.param(
        lambda m: m.request(
            "POST",
            CALLS,
            content=b" " * (5 * 1024 * 1024 + 1),
            headers={**AUTH, "content-type": "application/json"},
        ),
        413,
        id="too-large-413",
    ),
]


@pytest.mark.parametrize(("request_", "status"), REQUESTS)
def test_every_response_carries_the_rate_limit_headers(
    mock: Mock, request_: Request, status: int
) -> None:
    before = time.time()
    r = request_(mock)
    assert r.status_code == status, r.text
    assert all(h in r.headers for h in RATE_HEADERS), dict(r.headers)
    assert r.headers["x-ratelimit-limit"] == "60"
    # the first request of its budget; a forced 429 says the budget is spent, as a real one
    assert r.headers["x-ratelimit-remaining"] == ("0" if status == 429 else "59")
    assert before < int(r.headers["x-ratelimit-reset"]) <= time.time() + 61  # epoch seconds


def test_remaining_counts_down_within_the_window(mock: Mock) -> None:
    remaining = [
        mock.request("GET", BALANCE, headers=AUTH).headers["x-ratelimit-remaining"]
        for _ in range(3)
    ]
    assert remaining == ["59", "58", "57"]


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Mock:
    """Voice limited to 3 a minute, plus a credential holding PKR 1.25 (less than a minute)."""
    low = {
        "name": "low-balance",
        "api_key": "zc_live_sandbox_key_low",
        "email": "low@example.com",
        "password": "sandbox-password",
        "balance": 1.25,
    }
    folder = tmp_path_factory.mktemp("voice")
    return mock_with_credential("voice", low, folder, rate_limit_overrides={"voice": "3/minute"})


def test_rate_limit_per_credential_with_retry_after(limited: Mock) -> None:
    limited.runtime.reset()
    answers = [limited.request("GET", BALANCE, headers=AUTH) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert {r.headers["x-ratelimit-limit"] for r in answers} == {"3"}
    retry = answers[-1].headers["retry-after"]
    assert 1 <= int(retry) <= 60
    message = f"Rate limit exceeded. Try again in {retry} seconds."
    refused(answers[-1], 429, error("RATE_LIMITED", message))
    assert limited.request("GET", BALANCE, headers=EMPTY).status_code == 200


def test_a_forced_429_says_the_budget_is_spent_and_spends_one_token(limited: Mock) -> None:
    """A forced 429 read ``x-ratelimit-remaining: 57`` beside its "Rate limit exceeded"."""
    limited.runtime.reset()
    forced = limited.request("GET", BALANCE + "?__code=429", headers=AUTH)
    assert forced.status_code == 429
    assert forced.headers["x-ratelimit-remaining"] == "0"
    assert forced.headers["x-ratelimit-limit"] == "3"
    after = limited.request("GET", BALANCE, headers=AUTH)  # the real budget: one token taken
    assert after.status_code == 200 and after.headers["x-ratelimit-remaining"] == "1"


def test_jwt_and_key_of_one_account_share_its_budget(limited: Mock) -> None:
    limited.runtime.reset()
    token = bearer(token_of(limited))  # login itself is counted per client, not per account
    assert [
        limited.request("GET", BALANCE, headers=h).status_code for h in (AUTH, token, AUTH)
    ] == [
        200,
        200,
        200,
    ]
    assert limited.request("GET", BALANCE, headers=token).status_code == 429


def test_requests_without_a_credential_are_counted_per_client(limited: Mock) -> None:
    limited.runtime.reset()
    assert [limited.request("GET", BALANCE).status_code for _ in range(3)] == [401] * 3
    assert limited.request("GET", BALANCE).status_code == 429
    assert login(limited).status_code == 429
    assert limited.request("GET", BALANCE, headers=AUTH).status_code == 200


def test_insufficient_balance_names_the_current_balance(limited: Mock) -> None:
    limited.runtime.reset()
    low = bearer("zc_live_sandbox_key_low")
    message = "Your balance is too low to make this call. Current balance: PKR 1.25"
    refused(place(limited, headers=low), 403, error("INSUFFICIENT_BALANCE", message))
    assert balance(limited, low) == 1.25


# --- listing calls -----------------------------------------------------------------------------


def test_calls_are_listed_newest_first(mock: Mock, monkeypatch: pytest.MonkeyPatch) -> None:
    start = mock.runtime.clock()
    for number, offset in [("03000000002", 20), ("03000000000", 0), ("03000000001", 10)]:
        monkeypatch.setattr(mock.runtime, "clock", lambda offset=offset: start + offset)
        assert place(mock, {**CALL, "phone_number": number}).status_code == 201
    numbers = [c["phone_number"] for c in calls(mock)["data"]]
    assert numbers == ["03000000002", "03000000001", "03000000000"]


def test_placed_call_is_listed_in_the_documented_envelope(mock: Mock) -> None:
    placed = place(mock).json()
    assert calls(mock) == {
        "data": [placed],
        "page": 1,
        "per_page": 20,
        "total": 1,
        "total_pages": 1,
    }


def test_calls_are_paginated(mock: Mock) -> None:
    ids = [place(mock).json()["id"] for _ in range(5)]
    pages = [calls(mock, page=n, per_page=2) for n in (1, 2, 3, 4)]
    assert [(p["page"], p["per_page"], p["total"], p["total_pages"]) for p in pages] == [
        (n, 2, 5, 3) for n in (1, 2, 3, 4)
    ]
    assert [len(p["data"]) for p in pages] == [2, 2, 1, 0]
    assert sorted(c["id"] for p in pages for c in p["data"]) == sorted(ids)


@pytest.mark.parametrize(("status", "total"), [("QUEUED", 2), ("COMPLETED", 0), ("BUSY", 0)])
def test_calls_are_filtered_by_status(mock: Mock, status: str, total: int) -> None:
    place(mock)
    place(mock)
    listed = calls(mock, status=status)
    assert (listed["total"], listed["total_pages"], len(listed["data"])) == (
        total,
        1 if total else 0,
        total,
    )
    assert {c["status"] for c in listed["data"]} <= {status}


def test_every_query_problem_is_one_details_entry(mock: Mock) -> None:
    r = mock.request(
        "GET", CALLS, params={"page": "0", "per_page": "101", "status": "done"}, headers=AUTH
    )
    assert r.status_code == 422
    details = r.json()["error"]["details"]
    assert set(details) == {"page", "per_page", "status"}
    assert details["page"] == "Must be at least 1."
    assert details["status"] == (
        "Must be one of ['QUEUED', 'RINGING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'NO_ANSWER', "
        "'BUSY']."
    )


def test_spec_per_page_example_reproduced(mock: Mock) -> None:
    r = mock.request("GET", CALLS, params={"per_page": "101"}, headers=AUTH)
    details = {"per_page": "Must be between 1 and 100."}
    refused(r, 422, error("VALIDATION_ERROR", "The request is invalid.", details))


# --- placing calls: validation -----------------------------------------------------------------


def test_spec_phone_number_example_reproduced(mock: Mock) -> None:
    details = {"phone_number": "Must be a Pakistani mobile number (03XXXXXXXXX or +923XXXXXXXXX)."}
    r = place(mock, {**CALL, "phone_number": "12345"})
    refused(r, 422, error("VALIDATION_ERROR", "The request is invalid.", details))


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"phone_number": "This field is required.", "audio_id": "This field is required."}),
        (
            {"phone_number": "0300-1234567", "audio_id": "audio-1"},
            {
                "phone_number": "Must be a Pakistani mobile number (03XXXXXXXXX or +923XXXXXXXXX).",
                "audio_id": "Must be a valid uuid.",
            },
        ),
        (
            {"phone_number": 3001234567, "audio_id": AUDIO},
            {"phone_number": "Must be of type string."},
        ),
    ],
    ids=["empty", "two-bad", "wrong-type"],
)
def test_every_call_problem_is_one_details_entry(
    mock: Mock, body: dict[str, Any], details: dict[str, str]
) -> None:
    refused(place(mock, body), 422, error("VALIDATION_ERROR", "The request is invalid.", details))


def test_unknown_audio_is_404_and_charges_nothing(mock: Mock) -> None:
    refused(place(mock, {**CALL, "audio_id": UNKNOWN_ID}), 404, AUDIO_NOT_FOUND)
    assert balance(mock) == 100.0


BAD_REQUEST = error("BAD_REQUEST", "The request body could not be parsed.")
UNSUPPORTED = error("UNSUPPORTED_MEDIA_TYPE", "Unsupported Content-Type.")


@pytest.mark.parametrize(
    ("content", "content_type", "status", "body"),
    [
        (b"phone_number=03001234567", "application/x-www-form-urlencoded", 415, UNSUPPORTED),
        (b"03001234567", "text/plain", 415, UNSUPPORTED),
    ],
    ids=["form", "text"],
)
def test_non_json_bodies_are_415_in_the_envelope(
    mock: Mock, content: bytes, content_type: str, status: int, body: dict[str, Any]
) -> None:
    r = mock.request("POST", CALLS, content=content, headers={**AUTH, "content-type": content_type})
    refused(r, status, body)


def test_json_that_is_not_an_object_is_a_bad_request(mock: Mock) -> None:
    refused(place(mock, [CALL]), 400, BAD_REQUEST)


# --- forced responses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "status", "body"),
    [
        (
            lambda m: place(m, headers={**AUTH, "prefer": "example=accountSuspended"}),
            403,
            SUSPENDED,
        ),
        (lambda m: place(m, params={"__code": "403"}), 403, DOCS_INSUFFICIENT),
        (
            lambda m: place(m, headers={**AUTH, "prefer": "code=403, example=accountSuspended"}),
            403,
            SUSPENDED,
        ),
        (
            lambda m: m.request("GET", BALANCE, headers=AUTH, params={"__code": "403"}),
            403,
            SUSPENDED,
        ),
        (
            lambda m: m.request("GET", CALLS, headers={**AUTH, "prefer": "example=emptyPage"}),
            200,
            {"data": [], "page": 3, "per_page": 20, "total": 2, "total_pages": 1},
        ),
    ],
    ids=["prefer-example", "query-code", "prefer-both", "balance-403", "empty-page"],
)
def test_documented_responses_can_be_forced(
    mock: Mock, request_: Request, status: int, body: dict[str, Any]
) -> None:
    r = request_(mock)
    assert (r.status_code, r.json()) == (status, body)
    assert all(h in r.headers for h in RATE_HEADERS)


def test_forced_429_carries_retry_after_matching_its_message(mock: Mock) -> None:
    r = place(mock, headers={**AUTH, "prefer": "code=429"})
    refused(r, 429, error("RATE_LIMITED", "Rate limit exceeded. Try again in 30 seconds."))
    assert r.headers["retry-after"] == "30"


def test_forced_response_places_no_call(mock: Mock) -> None:
    assert place(mock, headers={**AUTH, "prefer": "code=201"}).status_code == 201
    assert (calls(mock)["total"], balance(mock)) == (0, 100.0)


# --- campaigns ---------------------------------------------------------------------------------


def test_campaign_is_created_and_read_back_with_its_statistics(mock: Mock) -> None:
    r = campaign(mock)
    assert r.status_code == 201
    created = r.json()
    assert set(created) == {
        "id",
        "name",
        "audio_id",
        "status",
        "max_retries",
        "concurrent_limit",
        "statistics",
        "created_at",
    }
    uuid.UUID(created["id"])
    datetime.fromisoformat(created["created_at"])
    assert {k: v for k, v in created.items() if k not in {"id", "created_at"}} == {
        "name": "March Promotion",
        "audio_id": AUDIO,
        "status": "PENDING",
        "max_retries": 3,
        "concurrent_limit": 10,
        "statistics": {"total": 3, "pending": 3, "in_progress": 0, "completed": 0, "failed": 0},
    }
    r = mock.request("GET", f"{CAMPAIGNS}/{created['id']}", headers=AUTH)
    assert (r.status_code, r.json()) == (200, created)


@pytest.mark.parametrize(
    ("csv", "rows"),
    [
        (b"phone_number,name\n03001234567,Ali\n03211234567,Sara\n", 2),
        (b"phone_number\r\n03001234567\r\n03211234567\r\n", 2),
        (b"phone_number\n\n03001234567\n\n", 1),
        pytest.param(
            b"03001234567\n03211234567\n",
            2,
        ),
    ],
    ids=["extra-columns", "crlf", "blank-lines", "no-header"],
)
def test_campaign_total_is_the_number_of_csv_rows(mock: Mock, csv: bytes, rows: int) -> None:
    created = campaign(mock, csv)
    assert created.status_code == 201, created.text
    stats = mock.request("GET", f"{CAMPAIGNS}/{created.json()['id']}", headers=AUTH).json()
    assert (stats["statistics"]["total"], stats["statistics"]["pending"]) == (rows, rows)


def test_campaign_fields_left_out_take_their_documented_defaults(mock: Mock) -> None:
    created = campaign(mock, max_retries=None, concurrent_limit=None).json()
    assert (created["max_retries"], created["concurrent_limit"]) == (0, 10)


def test_csv_with_a_bad_row_is_422_naming_the_row(mock: Mock) -> None:
    r = campaign(mock, b"phone_number\n03001234567\n12345\n03211234567\n")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    details = r.json()["error"]["details"]
    assert list(details) == ["csv_file"]
    assert details["csv_file"].startswith("Row 2: 12345 ")
    assert mock.runtime.store.items(ns("voice", SANDBOX["name"]), "campaigns") == []


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        (b"", "The file has no phone numbers."),
        (b"phone_number\n", "The file has no phone numbers."),
        (b"\xff\xfe0\x003\x00", "File is not UTF-8 text."),
    ],
    ids=["empty", "header-only", "utf16"],
)
def test_unusable_csv_is_422(mock: Mock, csv: bytes, message: str) -> None:
    details = {"csv_file": message}
    refused(campaign(mock, csv), 422, error("VALIDATION_ERROR", "The request is invalid.", details))


def test_form_and_csv_problems_are_reported_together(mock: Mock) -> None:
    r = campaign(mock, b"phone_number\n12345\n", max_retries="9")
    assert set(r.json()["error"]["details"]) == {"max_retries", "csv_file"}


def test_spec_campaign_validation_example_reproduced(mock: Mock) -> None:
    csv = b"phone_number\n03001234567\n03211234567\n12345\n"
    details = {
        "max_retries": "Must be between 0 and 5.",
        "csv_file": "Row 3: 12345 is not a Pakistani mobile number.",
    }
    refused(
        campaign(mock, csv, max_retries="9"),
        422,
        error("VALIDATION_ERROR", "The request is invalid.", details),
    )


@pytest.mark.parametrize(
    ("fields", "details"),
    [
        ({"name": None}, {"name": "This field is required."}),
        ({"name": ""}, {"name": "This field is required."}),
        ({"name": "x" * 101}, {"name": "Must be at most 100 characters."}),
        ({"audio_id": "audio-1"}, {"audio_id": "Must be a valid uuid."}),
        ({"concurrent_limit": "0"}, {"concurrent_limit": "Must be between 1 and 50."}),
        pytest.param(
            {"max_retries": "many"},
            {"max_retries": "Must be of type integer."},
        ),
    ],
    ids=["no-name", "empty-name", "long-name", "bad-audio", "zero-concurrency", "text-retries"],
)
def test_every_form_problem_is_one_details_entry(
    mock: Mock, fields: dict[str, Any], details: dict[str, str]
) -> None:
    refused(
        campaign(mock, **fields), 422, error("VALIDATION_ERROR", "The request is invalid.", details)
    )


def test_campaign_with_unknown_audio_is_404(mock: Mock) -> None:
    refused(campaign(mock, audio_id=UNKNOWN_ID), 404, AUDIO_NOT_FOUND)
    assert mock.runtime.store.items(ns("voice", SANDBOX["name"]), "campaigns") == []


@pytest.mark.parametrize(
    ("content", "content_type", "status", "body"),
    [
        (b"not multipart", "multipart/form-data; boundary=zz", 400, BAD_REQUEST),
        (json.dumps({"name": "x"}).encode(), "application/json", 415, UNSUPPORTED),
    ],
    ids=["broken-multipart", "json"],
)
def test_unreadable_campaign_form_gets_the_envelope(
    mock: Mock, content: bytes, content_type: str, status: int, body: dict[str, Any]
) -> None:
    r = mock.request(
        "POST", CAMPAIGNS, content=content, headers={**AUTH, "content-type": content_type}
    )
    refused(r, status, body)


@pytest.mark.parametrize("campaign_id", [UNKNOWN_ID, "CAMPAIGN_ID", "42"])
def test_unknown_or_malformed_campaign_id_is_404(mock: Mock, campaign_id: str) -> None:
    r = mock.request("GET", f"{CAMPAIGNS}/{campaign_id}", headers=AUTH)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("campaign_id", [UNKNOWN_ID, "CAMPAIGN_ID"])
def test_spec_campaign_not_found_example_reproduced(mock: Mock, campaign_id: str) -> None:
    r = mock.request("GET", f"{CAMPAIGNS}/{campaign_id}", headers=AUTH)
    refused(r, 404, error("NOT_FOUND", "Campaign not found."))


def test_empty_wallet_cannot_create_a_campaign(mock: Mock) -> None:
    refused(campaign(mock, headers=EMPTY), 403, DOCS_INSUFFICIENT)


def test_campaign_payload_over_5_mb_is_413(mock: Mock) -> None:
    big = b"phone_number\n" + b"03001234567\n" * (5 * 1024 * 1024 // 12 + 1)
    refused(
        campaign(mock, big),
        413,
        error("PAYLOAD_TOO_LARGE", "The CSV file must not exceed 5 MB."),
    )


# --- isolation and rejected requests -----------------------------------------------------------


def test_one_account_never_sees_anothers_calls_or_campaigns(mock: Mock) -> None:
    placed = place(mock).json()
    created = campaign(mock).json()
    for other in (EMPTY, bearer(token_of(mock, EMPTY_WALLET))):
        assert calls(mock, other)["total"] == 0
        r = mock.request("GET", f"{CAMPAIGNS}/{created['id']}", headers=other)
        assert r.status_code == 404
    assert calls(mock)["data"] == [placed]
    assert balance(mock, EMPTY) == 0.0


def test_rejected_requests_leave_accepted_state_intact(mock: Mock) -> None:
    first, second = place(mock).json(), place(mock).json()
    created = campaign(mock).json()
    rejected = [
        place(mock, {**CALL, "phone_number": "12345"}),
        place(mock, {**CALL, "audio_id": UNKNOWN_ID}),
        place(mock, headers=bearer("zc_live_nope")),
        place(mock, headers={**AUTH, "prefer": "code=403"}),
        mock.request(
            "POST", CALLS, content=b"{", headers={**AUTH, "content-type": "application/json"}
        ),
        campaign(mock, b"phone_number\n12345\n"),
        campaign(mock, audio_id=UNKNOWN_ID),
    ]
    assert [r.status_code for r in rejected] == [422, 404, 401, 403, 400, 422, 404]
    assert calls(mock)["data"] == [second, first]
    assert balance(mock) == 95.0
    r = mock.request("GET", f"{CAMPAIGNS}/{created['id']}", headers=AUTH)
    assert (r.status_code, r.json()) == (200, created)
    assert len(mock.runtime.store.items(ns("voice", SANDBOX["name"]), "campaigns")) == 1


@pytest.mark.parametrize("csv", ["03001234567", "garbage\nnope"], ids=["valid-rows", "bad-rows"])
def test_csv_sent_as_a_plain_field_not_a_file_is_refused_naming_csv_file(
    mock: Mock, csv: str
) -> None:
    # the doc uploads a file (-F "csv_file=@phone_numbers.csv"): a plain field is not one
    fields = {"name": (None, "M"), "audio_id": (None, AUDIO), "csv_file": (None, csv)}
    r = mock.request("POST", CAMPAIGNS, files=fields, headers=AUTH)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"] == {"csv_file": "Must be of type file."}
    assert mock.runtime.store.items(ns("voice", SANDBOX["name"]), "campaigns") == []


def test_a_truncated_multipart_body_is_malformed_not_a_missing_field(mock: Mock) -> None:
    content = b'--xx\r\nContent-Disposition: form-data; name="name"\r\n\r\nT'
    headers = {**AUTH, "content-type": "multipart/form-data; boundary=xx"}
    refused(mock.request("POST", CAMPAIGNS, content=content, headers=headers), 400, BAD_REQUEST)
    whole = b'--xx\r\nContent-Disposition: form-data; name="name"\r\n\r\nT\r\n--xx--\r\n'
    r = mock.request("POST", CAMPAIGNS, content=whole, headers=headers)
    assert r.status_code == 422 and "name" not in r.json()["error"]["details"], r.text


def test_a_multipart_charset_that_decodes_to_a_lone_surrogate_is_refused(mock: Mock) -> None:
    """UTF-7's "+2AA-" is the lone surrogate U+D800: stored, it was echoed as "\\ud800"."""
    csv = b"phone_number\r\n03001234567\r\n"
    parts = [
        b'--xx\r\nContent-Disposition: form-data; name="name"\r\n\r\nM+2AA-\r\n',
        b'--xx\r\nContent-Disposition: form-data; name="audio_id"\r\n\r\n'
        + AUDIO.encode()
        + b"\r\n",
        b'--xx\r\nContent-Disposition: form-data; name="csv_file"; filename="p.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + csv + b"\r\n--xx--\r\n",
    ]
    headers = {**AUTH, "content-type": "multipart/form-data; boundary=xx; charset=utf-7"}
    r = mock.request("POST", CAMPAIGNS, content=b"".join(parts), headers=headers)
    if r.status_code == 201:  # an app kind that reads the parts as UTF-8 stores "M+2AA-"
        assert r.json()["name"] == "M+2AA-", r.text
        return
    assert r.status_code == 422 and "lone UTF-16 surrogate" in r.text, r.text
    assert "name" in r.json()["error"]["details"], r.text


def test_csv_with_byte_order_mark_and_quoted_cells_is_read_as_a_spreadsheet_writes_it(
    mock: Mock,
) -> None:
    content = '\ufeffphone_number\n"03001234567"\n+923211234567\n'.encode()
    files = {"csv_file": ("p.csv", content, "text/csv")}
    r = mock.request(
        "POST", CAMPAIGNS, data={"name": "M", "audio_id": AUDIO}, files=files, headers=AUTH
    )
    assert r.status_code == 201, r.text
    assert r.json()["statistics"]["total"] == 2

"""Admin access on a shared sandbox: the admin token, and partner-scoped views of the journal,
the callback journal and state (mock_server/asgi/admin.py)."""

from __future__ import annotations

from typing import Any

import pytest

from mock_server.asgi import admin
from mock_server.core.config import Config, from_sources
from mock_server.world.runtime import build_runtime
from tests.conftest import CREDENTIALS, Mock, make_mock, ns
from tests.mock.test_callbacks import FakeScheduler
from tests.mock.test_voice import AUTH as VOICE_AUTH
from tests.mock.test_voice import place
from tests.mock.test_zipteams import HEADERS, item, post

TOKEN = "admin-token-for-tests-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
SECOND = CREDENTIALS["zipteams"][1]
HEADERS_2 = {**HEADERS, "x-api-key": SECOND["api_key"], "x-api-secret": SECOND["api_secret"]}
ZT_NS = ns("zipteams", "sandbox", "tenant1", "subtenant1")
ZT_NS_2 = ns("zipteams", "second-partner", "tenant1", "subtenant1")
# Refused by the default allow-list (loopback only): journaled at once, no receiver needed.
REMOTE = "https://callbacks.example.com/hook"


@pytest.fixture(scope="module")
def shared() -> tuple[Mock, FakeScheduler]:
    scheduler = FakeScheduler()
    config = Config(jwt_secret="test-secret", admin_token=TOKEN)
    runtime = build_runtime(config, clock=scheduler.clock, scheduler=scheduler)
    return Mock(runtime), scheduler


@pytest.fixture
def sandbox(shared: tuple[Mock, FakeScheduler]) -> Mock:
    shared[0].runtime.reset()
    return shared[0]


def journal(mock: Mock, headers: dict[str, str], route: str = "requests") -> list[Any]:
    response = mock.request("GET", f"/__mock/{route}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["entries"]  # type: ignore[no-any-return]


# --- the admin token ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "route"),
    [("GET", "requests"), ("GET", "callbacks"), ("POST", "reset"), ("GET", "apis")],
)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["none", "wrong-token", "not-bearer"],
)
def test_every_admin_route_but_health_needs_the_token(
    sandbox: Mock, method: str, route: str, headers: dict[str, str]
) -> None:
    post(sandbox, {"data": [item()]})
    response = sandbox.request(method, f"/__mock/{route}", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "entries" not in response.json()
    assert sandbox.runtime.store.items(ZT_NS, "calls") != []  # a refused reset reset nothing


def test_health_stays_open_and_the_token_sees_everything(sandbox: Mock) -> None:
    assert sandbox.request("GET", "/__mock/health").status_code == 200
    post(sandbox, {"data": [item()]})
    post(sandbox, {"data": [item()]}, headers=HEADERS_2)
    assert {e["credential"] for e in journal(sandbox, ADMIN)} == {"sandbox", "second-partner"}
    assert sandbox.request("POST", "/__mock/reset", headers=ADMIN).status_code == 200
    assert journal(sandbox, ADMIN) == []
    assert sandbox.runtime.store.items(ZT_NS_2, "calls") == []


def test_the_token_is_compared_in_constant_time(
    sandbox: Mock, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = admin.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(admin.hmac, "compare_digest", spy)
    sandbox.request("GET", "/__mock/requests", headers=ADMIN)
    sandbox.request("GET", "/__mock/requests", headers={"Authorization": "Bearer x"})
    assert (TOKEN.encode(), TOKEN.encode()) in compared
    assert (b"x", TOKEN.encode()) in compared


def test_without_a_token_a_loopback_mock_stays_open() -> None:
    mock = make_mock()
    post(mock, {"data": [item()]})
    assert len(journal(mock, {})) == 1


def test_binding_beyond_loopback_generates_a_token_printed_once() -> None:
    from mock_server.__main__ import banner

    for host in ("127.0.0.1", "localhost", "::1"):
        assert from_sources(["--host", host], {}).admin_token is None
    config = from_sources(["--host", "0.0.0.0"], {})
    assert config.admin_token and config.admin_token_generated
    assert config.admin_token not in repr(config)
    assert from_sources(["--host", "0.0.0.0"], {}).admin_token != config.admin_token
    runtime = build_runtime(config)
    assert banner(runtime, config).count(config.admin_token) == 1
    chosen = from_sources(["--host", "0.0.0.0"], {"MOCK_ADMIN_TOKEN": "from-env"})
    assert (chosen.admin_token, chosen.admin_token_generated) == ("from-env", False)
    assert "from-env" not in banner(runtime, chosen)
    assert from_sources(["--admin-token", "argv"], {"MOCK_ADMIN_TOKEN": "e"}).admin_token == "argv"


# --- partner-scoped views ----------------------------------------------------------------------


def test_two_credentials_of_one_api_see_only_their_own_journal(sandbox: Mock) -> None:
    post(sandbox, {"data": [item("mine")]})
    post(sandbox, {"data": [item("theirs")]}, headers=HEADERS_2)
    post(sandbox, {"data": [item()]}, headers={**HEADERS, "x-api-key": "wrong"})  # anonymous
    mine = journal(sandbox, HEADERS)
    theirs = journal(sandbox, HEADERS_2)
    assert [e["body"]["data"][0]["call"]["id"] for e in mine] == ["mine"]
    assert [e["body"]["data"][0]["call"]["id"] for e in theirs] == ["theirs"]
    assert "theirs" not in str(mine) and "mine" not in str(theirs)
    assert len(journal(sandbox, ADMIN)) == 3


def test_a_partner_sees_only_its_own_callbacks(
    shared: tuple[Mock, FakeScheduler], sandbox: Mock
) -> None:
    post(sandbox, {"data": [{**item("mine"), "callback_url": REMOTE + "/mine"}]})
    post(
        sandbox,
        {"data": [{**item("theirs"), "callback_url": REMOTE + "/theirs"}]},
        headers=HEADERS_2,
    )
    shared[1].run()
    everything = {e["target"] for e in journal(sandbox, ADMIN, "callbacks")}
    assert everything == {REMOTE + "/mine", REMOTE + "/theirs"}
    mine = journal(sandbox, HEADERS, "callbacks")
    theirs = journal(sandbox, HEADERS_2, "callbacks")
    assert mine and {e["target"] for e in mine} == {REMOTE + "/mine"}
    assert theirs and {e["target"] for e in theirs} == {REMOTE + "/theirs"}


def test_a_partner_reset_clears_only_its_own_state(sandbox: Mock) -> None:
    post(sandbox, {"data": [item("mine")]})
    post(sandbox, {"data": [item("mine")]}, headers={**HEADERS, "x-tenant-id": "tenant2"})
    post(sandbox, {"data": [item("theirs")]}, headers=HEADERS_2)
    assert place(sandbox).status_code < 300
    voice_ns = ns("voice", "sandbox")
    assert sandbox.runtime.store.items(voice_ns, "calls") != []
    assert sandbox.request("POST", "/__mock/reset", headers=HEADERS).json() == {"reset": True}
    assert sandbox.runtime.store.items(ZT_NS, "calls") == []
    assert (
        sandbox.runtime.store.items(ns("zipteams", "sandbox", "tenant2", "subtenant1"), "calls")
        == []
    )
    assert sandbox.runtime.store.items(ZT_NS_2, "calls") != []  # same API, other credential
    assert sandbox.runtime.store.items(voice_ns, "calls") != []  # same name, other API
    assert len(journal(sandbox, ADMIN)) >= 4  # a partner's reset is no operator's reset


def test_credentials_of_different_apis_are_isolated(sandbox: Mock) -> None:
    """Both credentials are named ``sandbox``: the view is per (API, credential)."""
    post(sandbox, {"data": [item("zipteams-call")]})
    assert place(sandbox).status_code < 300
    zipteams = journal(sandbox, HEADERS)
    voice = journal(sandbox, VOICE_AUTH)
    assert {e["api"] for e in zipteams} == {"zipteams"}
    assert {e["api"] for e in voice} == {"voice"}
    assert "zipteams-call" not in str(voice)
    sandbox.request("POST", "/__mock/reset", headers=VOICE_AUTH)
    assert sandbox.runtime.store.items(ns("voice", "sandbox"), "calls") == []
    assert sandbox.runtime.store.items(ZT_NS, "calls") != []


def test_a_partner_credential_works_without_an_admin_token() -> None:
    mock = make_mock()
    post(mock, {"data": [item("mine")]})
    post(mock, {"data": [item("theirs")]}, headers=HEADERS_2)
    assert [e["credential"] for e in journal(mock, HEADERS_2)] == ["second-partner"]
    assert len(journal(mock, {})) == 2


# --- a credential on the admin routes is the partner's, or refused -----------------------------

KEY_AND_SECRET = {k: v for k, v in HEADERS.items() if k in ("x-api-key", "x-api-secret")}


def test_a_zipteams_key_and_secret_without_tenant_headers_is_the_partners_view(
    sandbox: Mock,
) -> None:
    """README's own-view curl sends only x-api-key and x-api-secret: tenant headers partition
    state, they prove nothing, so the view and the reset are the credential's (every tenant)."""
    post(sandbox, {"data": [item("mine")]})
    post(sandbox, {"data": [item("mine")]}, headers={**HEADERS, "x-tenant-id": "tenant2"})
    post(sandbox, {"data": [item("theirs")]}, headers=HEADERS_2)
    mine = journal(sandbox, KEY_AND_SECRET)
    assert len(mine) == 2 and {e["credential"] for e in mine} == {"sandbox"}
    reset = sandbox.request("POST", "/__mock/reset", headers=KEY_AND_SECRET)
    assert reset.status_code == 200, reset.text
    assert sandbox.runtime.store.items(ZT_NS, "calls") == []
    tenant2 = ns("zipteams", "sandbox", "tenant2", "subtenant1")
    assert sandbox.runtime.store.items(tenant2, "calls") == []
    assert sandbox.runtime.store.items(ZT_NS_2, "calls") != []


@pytest.mark.parametrize(
    "headers",
    [
        {**KEY_AND_SECRET, "x-api-secret": "mistyped"},
        {"x-api-key": KEY_AND_SECRET["x-api-key"]},
        {"Authorization": "Bearer zc_live_mistyped"},
    ],
    ids=["wrong-secret", "key-alone", "wrong-bearer"],
)
def test_an_unrecognised_credential_is_refused_not_taken_for_the_operator(
    headers: dict[str, str],
) -> None:
    """On an open (loopback, no token) mock a caller without credentials is the operator; one
    whose credential is wrong or incomplete meant its own view: a 401, never everyone's state
    and journals (a mistyped key must not reset the whole sandbox)."""
    mock = make_mock()
    post(mock, {"data": [item("kept")]})
    for method, route in (("GET", "requests"), ("GET", "callbacks"), ("POST", "reset")):
        response = mock.request(method, f"/__mock/{route}", headers=headers)
        assert response.status_code == 401, (route, response.text)
    assert mock.runtime.store.items(ZT_NS, "calls") != []
    assert len(journal(mock, {})) == 1

"""The async kind's handler layer (mock_server/asgi/dispatch.py) and the docs split (app.py).

The behaviour suites run under both app kinds; these name what the assembly itself promises:
the JSON body is parsed once, by validation, and the handler gets that parse; the Swagger UI is
served outside the API's middleware stack; numbers too big for orjson still come back.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from connexion.lifecycle import ConnexionRequest

from mock_server.asgi import requestcheck
from mock_server.checks import validation
from mock_server.core.wire import dumps_json
from tests.conftest import make_mock, ns
from tests.mock.test_zipteams import CRED, HEADERS, URL, item

JSON = "application/json"


def test_the_json_body_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parses: list[bytes] = []
    parse = validation.parse_body

    def counting(raw: bytes, encoding: str) -> Any:
        parses.append(raw)
        return parse(raw, encoding)

    def no_second_parse(self: ConnexionRequest) -> Any:
        raise AssertionError("the handler layer read the body again")

    monkeypatch.setattr(validation, "parse_body", counting)
    monkeypatch.setattr(ConnexionRequest, "get_body", no_second_parse)
    monkeypatch.setattr(ConnexionRequest, "json", no_second_parse)
    mock = make_mock(app_kind="async")
    answer = mock.request("POST", URL, json={"data": [item("once-1")]}, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    assert len(parses) == 1
    # the handler stored what validation parsed
    namespace = ns("zipteams", CRED["name"], "tenant1", "subtenant1")
    stored = mock.runtime.store.get(namespace, "calls", "once-1")
    assert stored is not None and stored["call"]["id"] == "once-1"


@pytest.mark.parametrize("kind", ["async", "flask"])
def test_docs_are_served_outside_the_api_stack(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    mock = make_mock(app_kind=kind)
    gated: list[str] = []
    original = mock.runtime.api_by_base

    def watching(base: Any) -> Any:
        gated.append(str(base))
        return original(base)

    monkeypatch.setattr(mock.runtime, "api_by_base", watching)
    assert "swagger" in mock.request("GET", "/zipteams/api/v1/ui/").text.lower()
    spec = mock.request("GET", "/zipteams/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.")
    assert gated == []  # the gate (which looks the API up) never saw them
    mock.request("POST", URL, json={"data": [item("docs-1")]}, headers=HEADERS)
    assert gated  # while an API request passes it
    missing = mock.request("GET", "/zipteams/api/v1/ui/nothing-here.js")
    assert missing.status_code == 404


def test_an_integer_beyond_64_bits_is_serialized() -> None:
    # orjson stops at 64 bits; a fuzzer's (or a client's) huge number still comes back whole
    assert json.loads(dumps_json({"n": 2**70, "m": 1.5})) == {"n": 2**70, "m": 1.5}
    assert dumps_json({"n": 1}) == b'{"n":1}'


@pytest.mark.parametrize("kind", ["async", "flask"])
def test_validation_built_once_keeps_its_answers_past_the_media_type_bound(kind: str) -> None:
    """Request validation builds its per-operation objects once (asgi/requestcheck.py) and
    remembers a bounded number of media types: past the bound, an unsupported type is still
    refused in the envelope, and a JSON body is still parsed and checked."""
    mock = make_mock(app_kind=kind)
    for n in range(requestcheck.MEDIA_TYPES_REMEMBERED + 4):
        r = mock.request(
            "POST", URL, content=b"x", headers={**HEADERS, "content-type": f"text/x-{n}"}
        )
        assert r.status_code == 415, (n, r.text)
    bad = mock.request("POST", URL, content=b"{", headers={**HEADERS, "content-type": JSON})
    assert bad.status_code != 200 and bad.status_code < 500, bad.text
    invalid = item("")  # an empty id: refused as the docs' validation example
    r = mock.request("POST", URL, json={"data": [invalid]}, headers=HEADERS)
    assert r.status_code == 422 and "id" in r.text, r.text
    r = mock.request("POST", URL, json={"data": [item("bound-1")]}, headers=HEADERS)
    assert r.status_code == 200, r.text


def test_a_lone_surrogate_is_written_as_its_json_escape_not_a_500() -> None:
    """What the journal keeps of a refused body may hold one (the request was refused for it):
    the writer gives valid UTF-8 JSON that reads back as the same string."""
    value = {"body": "hi \ud800", "\udc00": [1, 2**70]}
    text = dumps_json(value)
    text.decode("utf-8")  # valid UTF-8
    assert json.loads(text) == value

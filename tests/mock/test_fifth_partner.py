"""The fifth, test-only partner (tests/fixtures/fifth-partner) is served from data alone: a
spec, a profile and credentials. What is its own: token auth, its error shape, a bare-array list,
integer ids, a bodiless 204 DELETE."""

from __future__ import annotations

import pytest
import yaml

from mock_server.core.config import Config
from mock_server.world.runtime import build_runtime
from speclint import lint
from tests.conftest import ROOT, Mock

FIFTH = ROOT / "tests" / "fixtures" / "fifth-partner"
CREDS = yaml.safe_load((FIFTH / "sandbox-credentials.yaml").read_text())["notes"]
MINE = {"Authorization": CREDS[0]["authorization"]}
THEIRS = {"Authorization": CREDS[1]["authorization"]}
NOTES = "/notes-api/notes"


@pytest.fixture(scope="module", params=["async", "flask"])
def served(request: pytest.FixtureRequest) -> Mock:
    config = Config(
        specs_dir=FIFTH,
        credentials=FIFTH / "sandbox-credentials.yaml",
        jwt_secret="t",
        app_kind=request.param,
    )
    return Mock(build_runtime(config))


@pytest.fixture
def notes(served: Mock) -> Mock:
    served.runtime.reset()
    return served


def test_the_fixture_spec_passes_speclint() -> None:
    assert [str(f) for f in lint([FIFTH / "notes.yaml"], docs_dir=FIFTH / "docs")] == []


def test_create_read_list_delete_with_integer_ids(notes: Mock) -> None:
    first = notes.request("POST", NOTES, json={"title": "a", "body": "b"}, headers=MINE)
    second = notes.request("POST", NOTES, json={"title": "c"}, headers=MINE)
    assert (first.status_code, first.json()["id"]) == (201, 1)
    assert (second.json()["id"], second.json()["body"]) == (2, None)
    listed = notes.request("GET", NOTES, headers=MINE).json()
    assert isinstance(listed, list)
    assert [n["id"] for n in listed] == [2, 1]  # newest first
    assert notes.request("GET", f"{NOTES}/1", headers=MINE).json()["title"] == "a"
    gone = notes.request("DELETE", f"{NOTES}/1", headers=MINE)
    assert (gone.status_code, gone.content) == (204, b"")
    again = notes.request("DELETE", f"{NOTES}/1", headers=MINE)
    assert (again.status_code, again.json()) == (
        404,
        {"error": "not_found", "error_description": "Note not found"},
    )
    assert [n["id"] for n in notes.request("GET", NOTES, headers=MINE).json()] == [2]
    third = notes.request("POST", NOTES, json={"title": "d"}, headers=MINE)
    assert third.json()["id"] == 3  # a deleted id is never reused


def test_token_auth_and_isolation(notes: Mock) -> None:
    notes.request("POST", NOTES, json={"title": "mine"}, headers=MINE)
    assert notes.request("GET", NOTES, headers=THEIRS).json() == []
    assert notes.request("GET", f"{NOTES}/1", headers=THEIRS).status_code == 404
    wrong = notes.request("GET", NOTES, headers={"Authorization": "Token nope"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_token")
    bare = notes.request("GET", NOTES, headers={"Authorization": CREDS[0]["authorization"][6:]})
    assert bare.status_code == 401


def test_validation_in_its_own_error_shape(notes: Mock) -> None:
    r = notes.request("POST", NOTES, json={"body": "no title"}, headers=MINE)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_request"
    assert "title" in r.json()["error_description"]


def test_put_replaces_a_note_keeping_its_id_and_creation_time(notes: Mock) -> None:
    created = notes.request("POST", NOTES, json={"title": "a", "body": "b"}, headers=MINE).json()
    put = notes.request("PUT", f"{NOTES}/1", json={"title": "z"}, headers=MINE)
    assert put.status_code == 200
    # body was left out, so it is cleared (not merged); id and created_at are the server's
    assert put.json() == {
        "id": 1,
        "title": "z",
        "body": None,
        "created_at": created["created_at"],
    }
    assert notes.request("GET", f"{NOTES}/1", headers=MINE).json() == put.json()
    assert notes.request("PUT", f"{NOTES}/1", json={"title": "x"}, headers=THEIRS).status_code == (
        404
    )
    missing = notes.request("PUT", f"{NOTES}/9", json={"title": "x"}, headers=MINE)
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    bad = notes.request("PUT", f"{NOTES}/1", json={"body": "no title"}, headers=MINE)
    assert bad.status_code == 400
    assert notes.request("GET", f"{NOTES}/1", headers=MINE).json()["title"] == "z"  # unchanged

"""Cross-cutting behaviours, checked for every profiled API from its data alone (tests/kit.py).

Every API in ``specs/profiles/`` and the test-only fifth partner (tests/fixtures/fifth-partner:
token auth, its own error shape, a bare-array list, integer ids, a bodiless DELETE) is covered
under both connexion app kinds. A new partner gets all of this by adding its spec and profile.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest

from mock_server.core.config import Config
from mock_server.core.profile import load_profile
from mock_server.world.runtime import build_runtime
from tests.conftest import ROOT, Mock
from tests.kit import Kit, Sample

FIFTH = ROOT / "tests" / "fixtures" / "fifth-partner"
WORLDS = {  # specs folder -> its credentials file
    ROOT / "specs": ROOT / "specs" / "sandbox-credentials.yaml",
    FIFTH: FIFTH / "sandbox-credentials.yaml",
}
KINDS = ("async", "flask")
APIS = [
    (folder, load_profile(path).name)
    for folder in WORLDS
    for path in sorted((folder / "profiles").glob("*.yaml"))
]


@functools.cache
def world(folder: Path, kind: str, limit: tuple[str, str] | None = None) -> Mock:
    """One mock per specs folder and app kind (``limit``: an API's rate limit overridden)."""
    config = Config(
        specs_dir=folder,
        credentials=WORLDS[folder],
        jwt_secret="kit",
        app_kind=kind,
        rate_limit_overrides=dict([limit]) if limit else {},
    )
    return Mock(build_runtime(config))


def params() -> list[Any]:
    return [
        pytest.param((folder, name, kind), id=f"{name}-{kind}")
        for folder, name in APIS
        for kind in KINDS
    ]


@pytest.fixture(params=params())
def case(request: pytest.FixtureRequest) -> tuple[Mock, Kit]:
    folder, name, kind = request.param
    mock = world(folder, kind)
    mock.runtime.reset()
    api = next(a for a in mock.runtime.apis if a.name == name)
    return mock, Kit(api)


def guarded(kit: Kit) -> list[Sample]:
    """Operations that need a credential."""
    return [s for s in kit.samples() if kit.api.operations[s.operation_id].security]


def first(kit: Kit, *, json_body: bool = False, documents: str | None = None) -> Sample:
    for sample in sorted(guarded(kit), key=lambda s: (s.method != "GET", s.path)):
        if json_body and not (sample.media_type or "").endswith("json"):
            continue
        if documents and documents not in sample.documented:
            continue
        return sample
    pytest.fail(f"{kit.name}: no guarded operation (json body: {json_body}, {documents})")


def send(mock: Mock, kit: Kit, sample: Sample, **kw: Any) -> Any:
    headers = {**kit.headers(sample.operation_id), **kw.pop("headers", {})}
    if sample.body is not None and "content" not in kw and "json" not in kw:
        kw["json"] = sample.body
    return mock.request(sample.method, sample.url, headers=headers, **kw)


def refused(kit: Kit, response: Any, situation: str, operation_id: str | None = None) -> None:
    """The answer is the profile's status for ``situation``, in the partner's envelope: the
    profile's code and message (where it is fixed wording), the template's literals, no
    problems."""
    expected = kit.expected(situation, operation_id)
    assert response.status_code == expected.status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert kit.is_envelope(body), body
    if "{" not in expected.message:
        assert kit.message(body) == expected.message
    assert kit.envelope_mismatches(body, expected, expected.status) == [], body


# --- every documented request works --------------------------------------------------------


def test_every_sample_request_gets_a_documented_answer(case: tuple[Mock, Kit]) -> None:
    mock, kit = case
    for sample in kit.samples():
        r = send(mock, kit, sample)
        assert str(r.status_code) in sample.documented, (sample.operation_id, r.text)
        assert r.status_code < 500, (sample.operation_id, r.text)


# --- unreadable bodies ---------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"{not json", b'{"x": "\xff"}'], ids=["malformed", "not-utf8"])
def test_unreadable_json_gets_the_envelope(case: tuple[Mock, Kit], content: bytes) -> None:
    mock, kit = case
    sample = first(kit, json_body=True)
    r = send(mock, kit, sample, content=content, headers={"content-type": "application/json"})
    refused(kit, r, "malformed_body", sample.operation_id)


def test_payload_over_the_limit_is_413(case: tuple[Mock, Kit]) -> None:
    mock, kit = case
    limit = kit.profile.max_body_bytes
    assert limit, f"{kit.name}: profile sets no limits.max_body_bytes"
    sample = first(kit, json_body=True)
    r = send(
        mock, kit, sample, content=b" " * (limit + 1), headers={"content-type": "application/json"}
    )
    refused(kit, r, "payload_too_large")


# --- routing -------------------------------------------------------------------------------


def test_undocumented_method_is_405_with_allow(case: tuple[Mock, Kit]) -> None:
    """On every documented path, a method it does not document."""
    mock, kit = case
    by_path: dict[str, list[Sample]] = {}
    for sample in kit.samples():
        by_path.setdefault(sample.path, []).append(sample)
    for samples in by_path.values():
        allowed = sorted(s.method for s in samples)
        method = next(m for m in ("PUT", "PATCH", "DELETE", "POST", "GET") if m not in allowed)
        r = mock.request(method, samples[0].url, headers=kit.headers(samples[0].operation_id))
        refused(kit, r, "method_not_allowed")
        assert sorted(r.headers["allow"].split(", ")) == allowed, samples[0].path


def test_unknown_path_is_404_in_the_envelope(case: tuple[Mock, Kit]) -> None:
    """An unknown path, a child of every documented path, and the parent of every documented
    path: each 404 in the envelope, unless it matches a documented path template itself."""
    mock, kit = case
    near = {f"{s.url}/no-such-child" for s in kit.samples()}
    near |= {s.url.rsplit("/", 1)[0] for s in kit.samples()}
    urls = [f"{kit.api.base_path}/no-such-path/at-all"]
    urls += sorted(u for u in near if u.startswith(kit.api.base_path + "/"))
    urls = [u for u in urls if not kit.api.allowed_methods(u)]
    assert len(urls) > 1, f"{kit.name}: no near-miss path to try"
    for url in urls:
        r = mock.request("GET", url, headers=kit.headers())
        assert r.status_code == 404, (url, r.text)
        assert kit.is_envelope(r.json()), r.text
        refused(kit, r, "not_found")


# --- Prefer --------------------------------------------------------------------------------


def test_forced_429_carries_retry_after(case: tuple[Mock, Kit]) -> None:
    mock, kit = case
    documented = [s for s in guarded(kit) if "429" in s.documented]
    if not documented:
        pytest.fail(f"{kit.name}: no operation documents 429, so its rate limit is unanswerable")
    sample = documented[0]
    r = send(mock, kit, sample, headers={"prefer": "code=429"})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert kit.is_envelope(r.json()), r.text
    example = kit.documented_header(sample.operation_id, "429", "Retry-After")
    if example is not None:  # the documented example's own header value
        assert r.headers["retry-after"] == str(example)


def test_unknown_preference_is_explained_in_the_envelope(case: tuple[Mock, Kit]) -> None:
    """An undocumented code lists the documented ones; an unknown example name lists the
    operation's examples."""
    mock, kit = case
    sample = first(kit)
    statuses = ", ".join(kit.api.operations[sample.operation_id].responses)
    r = send(mock, kit, sample, headers={"prefer": "code=418"})
    refused(kit, r, "mock_preference", sample.operation_id)
    assert kit.message(r.json()).endswith(
        f"no response with code 418 is documented for {sample.operation_id} "
        f"(documented: {statuses})"
    )
    r = send(mock, kit, sample, headers={"prefer": "example=noSuchExample"})
    refused(kit, r, "mock_preference", sample.operation_id)
    examples = ", ".join(kit.examples(sample.operation_id)) or "none"
    assert kit.message(r.json()).endswith(
        f"no example named 'noSuchExample' for {sample.operation_id} (examples: {examples})"
    )
    code = next(iter(kit.api.operations[sample.operation_id].responses))
    r = send(mock, kit, sample, headers={"prefer": f"code={code}, example=noSuchExample"})
    refused(kit, r, "mock_preference", sample.operation_id)
    examples = ", ".join(sorted(kit.api.operations[sample.operation_id].responses[code].examples))
    assert kit.message(r.json()).endswith(
        f"for {sample.operation_id} with code {code} (examples: {examples or 'none'})"
    )


def test_prefer_does_not_bypass_auth(case: tuple[Mock, Kit]) -> None:
    mock, kit = case
    sample = first(kit)
    r = mock.request(sample.method, sample.url, headers={"prefer": "code=200"})
    expected = kit.missing_credential(sample.operation_id)
    assert r.status_code == expected.status, r.text
    assert kit.is_envelope(r.json()), r.text
    assert kit.message(r.json()) == expected.message


def test_a_wrong_credential_is_refused_in_the_envelope(case: tuple[Mock, Kit]) -> None:
    mock, kit = case
    sample = first(kit)
    wrong = {k: f"{v}-wrong" for k, v in kit.headers(sample.operation_id).items()}
    r = mock.request(sample.method, sample.url, headers=wrong)
    forced = mock.request(sample.method, sample.url, headers={**wrong, "prefer": "code=200"})
    # Prefer does not bypass a wrong credential either: the same refusal
    assert (forced.status_code, kit.message(forced.json())) == (
        r.status_code,
        kit.message(r.json()),
    )
    assert 400 <= r.status_code < 500, r.text
    assert r.status_code in {
        kit.expected("invalid_credential").status,
        kit.expected("missing_credential").status,
        kit.missing_credential(sample.operation_id).status,
    }, r.text
    assert kit.is_envelope(r.json()), r.text


# --- rate limit ----------------------------------------------------------------------------


@pytest.mark.parametrize(("folder", "name"), APIS, ids=[n for _, n in APIS])
def test_rate_limit_answers_429_with_retry_after(folder: Path, name: str) -> None:
    mock = world(folder, "async", (name, "2/minute"))
    mock.runtime.reset()
    kit = Kit(next(a for a in mock.runtime.apis if a.name == name))
    assert kit.profile.rate_limits, f"{name}: profile documents no rate limit"
    sample = first(kit)
    answers = [send(mock, kit, sample).status_code for _ in range(2)]
    assert all(status < 400 for status in answers), answers
    r = send(mock, kit, sample)
    refused(kit, r, "rate_limited", sample.operation_id)
    assert 1 <= int(r.headers["retry-after"]) <= 60
    # counted per credential: another one of the same API is not limited by the first's use
    others = [Kit(kit.api, c) for c in kit.api.credentials[1:]]
    assert others, f"{name}: the sandbox credentials hold only one {name} credential"
    assert send(mock, others[0], sample).status_code != 429

"""The mock as a real process over real HTTP, and the live contract mode pointed at it.

Which APIs and requests are used comes from the data (specs/profiles, the sandbox credentials,
tests/kit.py's sample requests), never from a partner's name.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract_tests.stateful import has_links
from contract_tests.targets import Target, env_name, targets
from mock_server.core.config import Config
from mock_server.core.profile import load_profile
from mock_server.world.runtime import Runtime, build_runtime
from tests.kit import Kit, Sample
from tests.server import ROOT, mock_process

PROFILES = sorted((ROOT / "specs" / "profiles").glob("*.yaml"))
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@functools.cache
def runtime(spec: Path | None = None) -> Runtime:
    """The world the process serves, built in-process for its kits (nothing is served here)."""
    return build_runtime(Config(jwt_secret="process-test", spec=spec))


def kits(spec: Path | None = None) -> list[Kit]:
    return [Kit(api) for api in runtime(spec).apis]


def a_request(kit: Kit) -> Sample:
    """The API's first GET (else first) operation that needs a credential."""
    guarded = [s for s in kit.samples() if kit.api.operations[s.operation_id].security]
    return sorted(guarded, key=lambda s: (s.method != "GET", s.path))[0]


def send(origin: str, kit: Kit, sample: Sample) -> httpx.Response:
    json_body = sample.body if (sample.media_type or "").endswith("json") else None
    return httpx.request(
        sample.method,
        origin + sample.url,
        headers=kit.headers(sample.operation_id),
        json=json_body,
    )


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with mock_process("--no-rate-limits") as url:
        yield url


def test_serves_every_api_over_http_with_banner_routes(origin: str) -> None:
    apis = httpx.get(f"{origin}/__mock/apis").json()["apis"]
    assert {a["name"] for a in apis} == {load_profile(p).name for p in PROFILES}
    for kit in kits():
        sample = a_request(kit)
        r = send(origin, kit, sample)
        assert str(r.status_code) in sample.documented and r.status_code < 500, (kit.name, r.text)
        assert httpx.get(f"{origin}{kit.api.base_path}/ui/").status_code == 200, kit.name
        spec = httpx.get(f"{origin}{kit.api.base_path}/openapi.json").json()
        assert spec["info"]["title"] == kit.api.spec["info"]["title"]


@pytest.mark.parametrize("profile", PROFILES, ids=[p.stem for p in PROFILES])
def test_one_spec_at_its_production_paths(profile: Path) -> None:
    spec = load_profile(profile).spec_path
    (kit,) = kits(spec)
    assert kit.api.base_path != kit.profile.prefix  # its server path, not the mock's prefix
    with mock_process("--spec", str(spec.relative_to(ROOT))) as url:
        names = [a["name"] for a in httpx.get(f"{url}/__mock/apis").json()["apis"]]
        assert names == [kit.name]
        sample = a_request(kit)
        r = send(url, kit, sample)
        assert str(r.status_code) in sample.documented and r.status_code < 500, r.text


def run_live(tmp_path: Path, partner: str, base_url: str, *args: str, **env: str) -> ET.Element:
    """``make contract`` against ``base_url``, quickly paced; ``args`` go to pytest."""
    junit = tmp_path / f"{partner}.xml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "contract_tests/test_live.py",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            *args,
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "PARTNER": partner,
            "BASE_URL": base_url,
            "CONTRACT_RATE_LIMIT": "500/s",
            "FUZZ_EXAMPLES": "5",
            "CONTRACT_REPORT_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return ET.parse(junit).getroot()


def cases(root: ET.Element) -> list[str]:
    return [c.get("name", "") for c in root.iter("testcase")]


def fuzzed(root: ET.Element) -> set[str]:
    """The operations fuzzed: test_live[<api> <METHOD> <path> · fuzz: <family>]."""
    names = [c[len("test_live[") :] for c in cases(root) if c.startswith("test_live[")]
    return {n.split(" · ")[0] for n in names if " · fuzz: " in n}


def skips(root: ET.Element) -> list[str]:
    return [s.get("message", "") for s in root.iter("skipped")]


def arrived(origin: str, api: str) -> set[str]:
    """Methods and paths the mock's journal saw for ``api``."""
    entries = httpx.get(f"{origin}/__mock/requests", params={"api": api, "limit": 500}).json()[
        "entries"
    ]
    return {f"{e['method']} {e['operation']}" for e in entries}


def methods(target: Target) -> list[str]:
    return [
        m.upper()
        for item in target.doc.get("paths", {}).values()
        for m in item
        if m != "parameters"
    ]


def live_env(target: Target, partition: str = "live-partition") -> dict[str, str]:
    """CONTRACT_<API>_<SCHEME> for every auth rule: the first sandbox credential's values."""
    env = {}
    for rule in target.profile.auth:
        value = partition if rule.partition else target.credential.get(rule.credential or "")
        if value:
            env[env_name(target.name, rule.scheme)] = str(value)
    return env


def base_url(origin: str, target: Target) -> str:
    return f"{origin}{target.profile.prefix}"


def test_live_mode_is_read_only_by_default(origin: str, tmp_path: Path) -> None:
    # the smallest API with both safe and unsafe operations: read-only runs only its GETs
    mixed = [t for t in targets() if "GET" in methods(t) and WRITES & set(methods(t))]
    assert mixed, "no profiled API has both GET and write operations"
    target = min(mixed, key=lambda t: (len(methods(t)), t.name))
    root = run_live(tmp_path, target.name, base_url(origin, target), **live_env(target))
    documented = [c for c in cases(root) if c.startswith("test_live_documented[")]
    assert fuzzed(root) == {  # the GETs, each once per check family
        f"{target.name} GET {path}"
        for path, item in target.doc.get("paths", {}).items()
        if "get" in item
    }, cases(root)
    prefix = f"test_live_documented[{target.name} GET "
    assert documented and all(c.startswith(prefix) for c in documented), documented
    assert not list(root.iter("failure")), cases(root)
    # skipped only for an input this run lacks, each named
    assert all("CONTRACT_" in m or "ALLOW_WRITES" in m for m in skips(root)), skips(root)
    if has_links(target.doc):  # its links start at writes: not followed, and the skip says so
        assert any("links" in m and "ALLOW_WRITES=1" in m for m in skips(root)), skips(root)
    report = (tmp_path / f"contract-{target.name}.md").read_text()
    assert "# Failures\n\nNone: every check held." in report, report[-2000:]
    seen = arrived(origin, target.name)
    assert seen and all(s.split()[0] == "GET" for s in seen), seen


def test_live_mode_writes_when_allowed(origin: str, tmp_path: Path) -> None:
    # an API whose auth has a partition header: its documented "missing header" case runs
    partitioned = [t for t in targets() if any(r.partition and r.missing for r in t.profile.auth)]
    assert partitioned, "no profiled API has a partition header with a documented refusal"
    target = partitioned[0]
    env = {"ALLOW_WRITES": "1", **live_env(target)}
    root = run_live(tmp_path, target.name, base_url(origin, target), **env)
    documented = [c for c in cases(root) if c.startswith("test_live_documented[")]
    assert len(fuzzed(root)) == len(methods(target)), cases(root)
    assert not list(root.iter("failure")), cases(root)
    schemes = target.doc["components"]["securitySchemes"]
    for rule in target.profile.auth:
        if rule.partition and rule.missing:
            header = schemes[rule.scheme]["name"]
            wanted = f"auth: missing {header} → {rule.missing.status}"
            assert any(wanted in c for c in documented), (wanted, documented)
    assert any(s.split()[0] in WRITES for s in arrived(origin, target.name))


def test_live_mode_follows_links_when_writes_allowed(origin: str, tmp_path: Path) -> None:
    """The stateful run, live: each chain x check family one test case, every one in the
    report, the linked requests really sent. Only the stateful tests run (``-k``)."""
    target = next(t for t in targets() if has_links(t.doc))
    # 10 scenarios (FUZZ_EXAMPLES // 2), as many as the in-process stateful run: with the
    # default 2, whether a generated write ever succeeded (so that its link was followed)
    # hung on the seed, and the seed's draws moved with unrelated code changes.
    env = {"ALLOW_WRITES": "1", "FUZZ_EXAMPLES": "20", **live_env(target)}
    url = base_url(origin, target)
    root = run_live(tmp_path, target.name, url, "-k", "test_live_stateful", **env)
    names = [c[len("test_live_stateful[") :] for c in cases(root)]
    assert names and all(n.startswith(f"{target.name} stateful: ") for n in names), names
    assert any(" → " in n for n in names), names  # links, not only first steps
    assert not list(root.iter("failure")), cases(root)
    report = (tmp_path / f"contract-{target.name}.md").read_text()
    assert f"## {target.name} stateful: " in report, report[:2000]
    assert "# Failures\n\nNone: every check held." in report, report[-2000:]
    seen = arrived(origin, target.name)
    assert any(s.split()[0] in WRITES for s in seen) and any("GET" in s for s in seen), seen

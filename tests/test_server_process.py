"""The mock as a real process over real HTTP, and the live contract mode pointed at it."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import CREDENTIALS
from tests.mock.test_zipteams import HEADERS
from tests.server import ROOT, mock_process


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with mock_process("--no-rate-limits") as url:
        yield url


def test_serves_every_api_over_http_with_banner_routes(origin: str) -> None:
    apis = httpx.get(f"{origin}/__mock/apis").json()["apis"]
    profiles = {p.stem for p in (ROOT / "specs" / "profiles").glob("*.yaml")}
    assert {a["name"] for a in apis} == profiles
    r = httpx.post(
        f"{origin}/zipteams/api/v1/partner/ingest/batch-call", json={"data": []}, headers=HEADERS
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"field": "data", "message": "data must contain at least 1 elements"}
    ]
    assert httpx.get(f"{origin}/zipteams/api/v1/ui/").status_code == 200


def test_one_spec_at_its_production_paths() -> None:
    with mock_process("--spec", "specs/zipteams.yaml") as url:
        cred = CREDENTIALS["zipteams"][0]
        headers = {
            "x-api-key": cred["api_key"],
            "x-api-secret": cred["api_secret"],
            "x-tenant-id": "t",
        }
        r = httpx.post(
            f"{url}/api/v1/partner/ingest/batch-call", json={"data": []}, headers=headers
        )
        assert (r.status_code, r.json()["message"]) == (400, "Sub-Tenant ID is required")
        assert [a["name"] for a in httpx.get(f"{url}/__mock/apis").json()["apis"]] == ["zipteams"]


def run_live(tmp_path: Path, partner: str, base_url: str, **env: str) -> ET.Element:
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
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "PARTNER": partner,
            "BASE_URL": base_url,
            "CONTRACT_RATE_LIMIT": "50/s",
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


def test_live_mode_is_read_only_by_default(origin: str, tmp_path: Path) -> None:
    key = CREDENTIALS["voice"][0]["api_key"]
    root = run_live(tmp_path, "voice", f"{origin}/voice", CONTRACT_VOICE_BEARERAUTH=key)
    documented = [c for c in cases(root) if c.startswith("test_live_documented[")]
    assert fuzzed(root) == {  # the GETs, each once per check family
        "voice GET /api/v1/calls",
        "voice GET /api/v1/campaigns/{campaign_id}",
        "voice GET /api/v1/balance",
    }
    assert documented and all(c.startswith("test_live_documented[voice GET ") for c in documented)
    assert any("auth: forged token → 401" in c for c in documented), documented
    assert not list(root.iter("failure")), cases(root)
    # skipped only for an input this run lacks, each named
    assert all(
        "_EXPIRED" in m or "_OTHER" in m or "CONTRACT_RATE_LIMIT_CHECK=1" in m for m in skips(root)
    ), skips(root)
    report = (tmp_path / "contract-voice.md").read_text()
    assert "# Failures\n\nNone: every check held." in report, report[-2000:]
    seen = arrived(origin, "voice")
    assert "GET getBalance" in seen
    assert not [s for s in seen if s.split()[0] in {"POST", "PATCH", "PUT", "DELETE"}], seen


def test_live_mode_writes_when_allowed(origin: str, tmp_path: Path) -> None:
    cred = CREDENTIALS["zipteams"][0]
    env = {
        "ALLOW_WRITES": "1",
        "CONTRACT_ZIPTEAMS_APIKEY": cred["api_key"],
        "CONTRACT_ZIPTEAMS_APISECRET": cred["api_secret"],
        "CONTRACT_ZIPTEAMS_TENANTID": "live-tenant",
        "CONTRACT_ZIPTEAMS_SUBTENANTID": "live-sub",
    }
    root = run_live(tmp_path, "zipteams", f"{origin}/zipteams/api/v1", **env)
    documented = [c for c in cases(root) if c.startswith("test_live_documented[")]
    assert len(fuzzed(root)) == 2 and not list(root.iter("failure")), cases(root)
    assert any("auth: missing x-tenant-id → 400" in c for c in documented), documented
    assert "POST ingestBatchCall" in arrived(origin, "zipteams")

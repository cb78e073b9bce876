"""The run report and the reproduce curls: what a reader of a failure gets."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from .documented import NON_UTF8, Probe, Step, curl
from .ledger import Ledger, markdown


def test_report_lists_counts_and_every_failure_with_its_curl() -> None:
    ledger = Ledger(name="x", title="Contract run: test")
    ledger.passed("zipteams", "POST /a", "auth: wrong x-api-key → 403", 2)
    for _ in range(3):
        ledger.failed(
            "zipteams", "POST /a", "fuzz: error envelope", "envelope", "not JSON", "curl A"
        )
    ledger.failed("zipteams", "POST /a", "fuzz: error envelope", "envelope", "other", "curl B")
    text = markdown(ledger)
    assert "| auth: wrong x-api-key → 403 | 2 ✓ |" in text
    assert "| fuzz: error envelope | 0 ✓ / **4 ✗** |" in text
    failures = text.split("# Failures", 1)[1]
    assert "## zipteams POST /a · fuzz: error envelope" in failures
    assert "(seen 3 times)" in failures and "curl A" in failures and "curl B" in failures
    assert "auth: wrong" not in failures  # only failing checks are listed there


def test_report_shows_checks_that_never_applied_as_not_run_not_as_passes() -> None:
    ledger = Ledger(name="x", title="Contract run: test")
    ledger.passed("voice", "GET /balance", "fuzz: unknown method: 405 + Allow", 0)
    ledger.not_run("voice", "GET /balance", "fuzz: unknown method: 405 + Allow", 15)
    ledger.passed("voice", "GET /balance", "fuzz: error envelope", 3)
    ledger.not_run("voice", "GET /balance", "fuzz: error envelope", 12)
    text = markdown(ledger)
    assert "| fuzz: unknown method: 405 + Allow | not run (15 responses" in text, text
    assert "| fuzz: error envelope | 3 ✓ · 12 not run |" in text, text
    assert "3 checks held, 0 failed, 27 not run" in text, text


def test_ledgers_of_two_workers_merge_into_one_report() -> None:
    one, two = (Ledger(name="x", title="Contract run: test") for _ in range(2))
    one.passed("voice", "GET /balance", "auth: no key → 401", 2)
    one.failed("voice", "GET /balance", "fuzz: error envelope", "envelope", "not JSON", "curl A")
    two.passed("voice", "GET /balance", "auth: no key → 401", 3)
    two.not_run("voice", "GET /balance", "fuzz: error envelope", 4)
    two.failed("voice", "GET /balance", "fuzz: error envelope", "envelope", "not JSON", "curl B")
    two.failed("ziett", "GET /c/v1/x", "fuzz: status", "status", "500", "curl C")
    merged = Ledger()
    merged.merge(one.to_data())
    merged.merge(two.to_data())
    assert merged.name == "x" and merged.title == "Contract run: test"
    balance = merged.rows[("voice", "GET /balance")]
    assert balance["auth: no key → 401"].passed == 5
    envelope = balance["fuzz: error envelope"]
    assert envelope.not_run == 4 and envelope.failed == 2
    assert [f.curl for f in envelope.findings.values()] == ["curl A"]  # the first replay kept
    assert merged.rows[("ziett", "GET /c/v1/x")]["fuzz: status"].failed == 1
    assert markdown(merged).count("(seen 2 times)") == 1


def test_curl_replays_bytes_exactly_and_masks_only_real_secrets() -> None:
    probe = Probe(
        "ziett",
        "POST",
        "/c/v1/messages",
        "envelope: non-UTF-8 body",
        400,
        "x",
        headers={"X-API-Key": "real-secret-from-env", "x-invented": "contract-wrong-value"},
        content=NON_UTF8 + b"\r\n'%\\",
        setup=(Step("GET", "/c/v1/messages", {"X-API-Key": "real-secret-from-env"}),),
    )
    secrets = {"real-secret-from-env": "CONTRACT_ZIETT_APIKEYAUTH_OTHER"}
    lines = curl(probe, "http://127.0.0.1:8080/ziett", secrets).splitlines()
    assert len(lines) == 2 and lines[0].startswith("curl -X GET")
    assert "real-secret-from-env" not in "\n".join(lines)
    # the secret shows as the env var holding it, quoted so a shell with that env expands it
    assert "'X-API-Key: '\"$CONTRACT_ZIETT_APIKEYAUTH_OTHER\"" in lines[1], lines[1]
    assert "x-invented: contract-wrong-value" in lines[1]
    env = {"CONTRACT_ZIETT_APIKEYAUTH_OTHER": "real-secret-from-env", "PATH": "/usr/bin:/bin"}
    echoed = subprocess.run(
        ["bash", "-c", "printf '%s\\n' " + lines[0].split(" -H ", 1)[1].rsplit(" ", 1)[0]],
        capture_output=True,
        check=True,
        env=env,
        text=True,
    ).stdout
    assert echoed == "X-API-Key: real-secret-from-env\n", echoed
    feed, _, command = lines[1].partition(" | ")
    assert shlex.split(command)[-2:] == ["@-", "http://127.0.0.1:8080/ziett/c/v1/messages"]
    sent = subprocess.run(["bash", "-c", feed], capture_output=True, check=True).stdout
    assert sent == probe.content


def test_workers_hand_their_ledgers_to_the_one_report(tmp_path: Path) -> None:
    """make test runs on pytest-xdist workers: the controller, which runs no test, must write
    the report from what the workers recorded (documented probes and fuzzing, two files)."""
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "--dist", "loadfile", "contract_tests/test_documented_mock.py",
         "contract_tests/test_fuzz_mock.py", "-k", "(test_documented or test_fuzz) and 360dialog"],
        cwd=root, capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "CONTRACT_REPORT_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "contract report:" in result.stdout, result.stdout[-2000:]
    report = (tmp_path / "contract-mock.md").read_text(encoding="utf-8")
    section = report.split("## 360dialog GET /api/v2/partners/{partner_id}", 1)[1].split("##")[0]
    assert "| auth: missing X-API-Key → 401 | 1 ✓ |" in section, section  # documented_mock
    assert "| fuzz: request answered |" in section, section  # fuzz_mock

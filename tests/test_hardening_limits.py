"""Hardening, second slice (issue 14): the journals bounded in bytes, header limits, and the
connection timeouts (those against a real process on loopback)."""

from __future__ import annotations

import json
import select
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mock_server.state.journal import Journal, bounded, size_of
from mock_server.state.redisstore import RedisJournal, connect
from tests.conftest import Mock, make_mock
from tests.mock.test_zipteams import HEADERS
from tests.server import mock_process_handle, stop

BATCH = "/zipteams/api/v1/partner/ingest/batch-call"

# --- journals bounded in bytes ----------------------------------------------------------------


def _entry(n: int, pad: int) -> dict[str, Any]:
    return {
        "api": "x",
        "method": "GET",
        "status": 200,
        "path": f"/p/{n}",
        "headers": {"h": "v" * pad},
    }


@pytest.fixture(params=["memory", "redis"])
def journal(request: pytest.FixtureRequest) -> Iterator[Journal]:
    if request.param == "memory":
        yield Journal(capacity=500, max_bytes=20_000, entry_bytes=1000)
    else:
        url = request.getfixturevalue("redis_url")
        yield RedisJournal(connect(url), "t:journal", 500, max_bytes=20_000, entry_bytes=1000)


def test_an_entry_over_its_cap_is_cut_with_a_visible_marker(journal: Journal) -> None:
    journal.record(_entry(1, 50_000))
    stored = journal.query(limit=1)[0]
    assert size_of(stored) <= 1000
    assert stored["truncated"] == {"bytes": size_of(_entry(1, 50_000)), "limit": 1000}
    assert stored["headers"].endswith("…[truncated]")
    assert (stored["method"], stored["status"], stored["path"]) == ("GET", 200, "/p/1")


def test_a_small_entry_is_kept_whole(journal: Journal) -> None:
    journal.record(_entry(1, 10))
    stored = journal.query(limit=1)[0]
    assert "truncated" not in stored
    assert stored["headers"] == {"h": "v" * 10}


def test_the_journal_total_stays_under_its_byte_cap_oldest_dropped(journal: Journal) -> None:
    for n in range(200):
        journal.record(_entry(n, 5_000))
    entries = journal.query(limit=500)
    assert size_of(entries) <= 20_000  # compact UTF-8 JSON, as held and as served
    assert 10 <= len(entries) < 200
    assert entries[0]["path"] == "/p/199"  # newest kept, oldest gone
    assert journal.total_bytes() <= 20_000
    journal.clear()
    assert journal.query(limit=500) == [] and journal.total_bytes() == 0


def test_bounded_keeps_what_happened_when_many_fields_are_middling() -> None:
    entry = {"status": 200, **{f"f{i}": "x" * 200 for i in range(100)}}
    cut = bounded(entry, 600)
    assert size_of(cut) <= 600
    assert cut["status"] == 200 and cut["truncated"]["bytes"] == size_of(entry)


def test_requests_route_answer_is_bounded_by_the_journal_byte_cap() -> None:
    mock = make_mock(journal_bytes=60_000, journal_entry_bytes=4096)
    big = {**HEADERS, "x-padding": "p" * 12_000}
    for _ in range(50):
        mock.request("GET", "/nothing-here", headers=big)
    r = mock.request("GET", "/__mock/requests?limit=500")
    assert r.status_code == 200
    assert len(r.content) <= 60_000
    entries = r.json()["entries"]
    assert entries and all(e["truncated"]["limit"] == 4096 for e in entries)


def test_callback_journal_is_bounded_in_bytes_too() -> None:
    mock: Mock = make_mock(callback_journal_bytes=30_000, journal_entry_bytes=2048)
    assert mock.runtime.callbacks is not None
    journal = mock.runtime.callbacks.dispatcher.journal
    for n in range(100):
        journal.record({**_entry(n, 3000), "state": "delivered"})
    entries = journal.query(limit=500)
    assert size_of(entries) <= 30_000
    assert all(size_of(e) <= 2048 and e["state"] == "delivered" for e in entries)


# --- header limits (in the front door: the partner's envelope) ---------------------------------

ZIETT = "/ziett/c/v1/messages"
ZIETT_KEY = {"X-API-Key": "zt_test_ziett_key_0001"}


def test_too_many_headers_get_431_in_the_partners_envelope(mock: Mock) -> None:
    many = {**ZIETT_KEY, **{f"x-h{i}": "v" for i in range(120)}}
    r = mock.request("GET", ZIETT, headers=many)
    assert r.status_code == 431, r.text
    assert (r.json()["code"], r.json()["status"]) == ("HEADERS_TOO_LARGE", 431)
    entry = mock.runtime.journal.query(limit=1)[0]
    assert (entry["status"], entry["outcome"]) == (431, "headers_too_large")
    assert set(entry["headers"]) == {"note"} and "headers" in entry["headers"]["note"]


def test_one_oversize_header_is_431_and_never_journaled(mock: Mock) -> None:
    secret = "zz-oversize-" + "q" * 20_000
    r = mock.request("POST", BATCH, headers={**HEADERS, "x-big": secret}, json={"data": []})
    assert r.status_code == 431, r.text
    assert r.json()["message"] == "Request header fields too large"  # zipteams' own envelope
    dumped = json.dumps(mock.runtime.journal.query(limit=5))
    assert "zz-oversize-" not in dumped
    assert "bytes of request line and headers" in dumped


def test_an_unmounted_path_gets_a_generic_json_431() -> None:
    mock = make_mock(max_header_bytes=1024, max_headers=10)
    r = mock.request("GET", "/nothing-here", headers={"x-pad": "p" * 2000})
    assert r.status_code == 431
    assert r.json()["message"] == "Request header fields too large."
    assert mock.request("GET", "/nothing-here").status_code == 404  # within the limits


def test_headers_within_the_limits_pass(mock: Mock) -> None:
    some = {**ZIETT_KEY, **{f"x-h{i}": "v" * 100 for i in range(50)}}
    assert mock.request("GET", ZIETT, headers=some).status_code == 200


def test_config_reads_limits_from_flags_over_environment() -> None:
    from mock_server.core.config import from_sources

    env = {"MOCK_MAX_HEADERS": "7", "MOCK_TIMEOUT_BODY": "3"}
    config = from_sources(["--max-header-bytes", "2048", "--limit-concurrency", "0"], env)
    assert (config.max_header_bytes, config.max_headers, config.body_timeout) == (2048, 7, 3.0)
    assert config.limit_concurrency is None
    with pytest.raises(SystemExit):
        from_sources(["--timeout-header", "0"], {})


# --- connections, against a real process on loopback ------------------------------------------

POST_HEAD = (
    b"POST /ziett/c/v1/messages HTTP/1.1\r\nHost: t\r\nX-API-Key: zt_test_ziett_key_0001\r\n"
    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
)


@pytest.fixture(
    scope="module",
    params=[("async", "httptools"), ("flask", "httptools"), ("async", "h11")],
    ids=["async-httptools", "flask-httptools", "async-h11"],
)
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    app, http = request.param
    args = ["--timeout-header", "1", "--timeout-keep-alive", "1", "--timeout-body", "1"]
    with mock_process_handle("--app", app, "--http", http, *args) as handle:
        yield handle


def _connect(origin: str) -> socket.socket:
    host, port = origin.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def _until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or 10 s pass: then the
    connection is still open, and what came so far is returned with a marker)."""
    sock.settimeout(10)
    data = b""
    try:
        while chunk := sock.recv(65_536):
            data += chunk
    except TimeoutError:
        return data + b"<still open>"
    except ConnectionResetError:
        return data + b"<reset>"
    return data


def _journal(origin: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{origin}/__mock/requests?limit=50", timeout=5).json()["entries"])


def test_idle_connections_are_closed_by_the_server(served: Any) -> None:
    origin, _ = served
    silent = [_connect(origin) for _ in range(100)]
    used = [_connect(origin) for _ in range(100)]
    for sock in used:
        sock.sendall(b"GET /__mock/health HTTP/1.1\r\nHost: t\r\n\r\n")
    answers = [_until_closed(s) for s in used]  # answered, then closed after keep-alive
    leftovers = [_until_closed(s) for s in silent]  # never sent a byte: header timeout
    assert all(a.startswith(b"HTTP/1.1 200") and not a.endswith(b">") for a in answers)
    assert leftovers == [b""] * 100
    for sock in silent + used:
        sock.close()
    assert httpx.get(f"{origin}/__mock/health", timeout=5).status_code == 200


def test_headers_trickled_past_the_header_timeout_get_408_and_close(served: Any) -> None:
    origin, _ = served
    sock = _connect(origin)
    sock.sendall(b"GET /__mock/health HTTP/1.1\r\n")
    answer = b""
    for n in range(40):  # 12 s of one header line every 0.3 s, unless the server closes
        readable, _, _ = select.select([sock], [], [], 0.3)
        if readable:
            answer = _until_closed(sock)
            break
        sock.sendall(f"x-h{n}: v\r\n".encode())
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"not received within 1.0 s" in answer


def test_a_header_section_far_over_the_limit_is_refused_before_it_is_buffered(
    served: Any,
) -> None:
    origin, _ = served
    sock = _connect(origin)
    sock.sendall(b"GET /nothing-here HTTP/1.1\r\nHost: t\r\n")
    answer = b""
    for _ in range(200):  # up to 1.6 MB of headers, 8 KB at a time, until the server answers
        readable, _, _ = select.select([sock], [], [], 0.01)
        if readable:
            answer = _until_closed(sock)
            break
        try:
            sock.sendall(b"x-pad: " + b"p" * 8183 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            answer = _until_closed(sock)
            break
    sock.close()
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert b'"message": "Request header fields too large' in answer
    note = next(e for e in _journal(origin) if e["outcome"] == "headers_too_large")
    assert note["status"] == 431 and note["headers"]["note"].startswith("not kept: over")
    assert "ppp" not in json.dumps(note)


def test_a_body_slower_than_the_body_timeout_gets_408_in_the_envelope(served: Any) -> None:
    origin, _ = served
    sock = _connect(origin)
    sock.sendall(POST_HEAD + b'{"to": "')
    answer = _until_closed(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["code"] == "REQUEST_TIMEOUT"
    entry = next(e for e in _journal(origin) if e["path"] == "/ziett/c/v1/messages")
    assert (entry["status"], entry["outcome"]) == (408, "body_timeout")


def test_a_client_leaving_mid_body_is_journaled_as_a_disconnect(served: Any) -> None:
    origin, _proc = served
    sock = _connect(origin)
    sock.sendall(POST_HEAD + b'{"to": "+1555')
    time.sleep(0.2)  # the front door has the headers before the client leaves
    sock.close()
    entry: dict[str, Any] = {}
    for _ in range(50):
        found = [e for e in _journal(origin) if e["outcome"] == "disconnect"]
        if found:
            entry = found[0]
            break
        time.sleep(0.1)
    assert entry, "no disconnect journaled"
    assert (entry["path"], entry["status"]) == ("/ziett/c/v1/messages", None)
    assert entry["reasons"] == ["the client closed the connection after 13 body bytes"]
    assert not [e for e in _journal(origin) if e["status"] == 500]


# --- a method name the HTTP parser does not know ----------------------------------------------

VOICE_KEY = b"Authorization: Bearer zc_live_sandbox_key_0001\r\n"


def _answers(raw: bytes) -> list[tuple[int, dict[str, str], Any]]:
    """Each response in ``raw`` (content-length framed): status, headers, JSON body."""
    out = []
    while raw.startswith(b"HTTP/1.1 "):
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])
        }
        size = int(headers["content-length"])
        body, raw = rest[:size], rest[size:]
        assert headers["content-type"].startswith("application/json"), (lines[0], body)
        out.append((int(lines[0].split()[1]), headers, json.loads(body)))
    return out


def test_an_unknown_method_under_an_api_gets_the_partners_enveloped_405(served: Any) -> None:
    origin, _ = served
    sock = _connect(origin)
    sock.sendall(b"BREW /voice/api/v1/balance HTTP/1.1\r\nHost: t\r\n" + VOICE_KEY + b"\r\n")
    sock.sendall(b"GET /voice/api/v1/balance HTTP/1.1\r\nHost: t\r\n" + VOICE_KEY)
    sock.sendall(b"Connection: close\r\n\r\n")  # the same connection goes on after the 405
    answers = _answers(_until_closed(sock))
    sock.close()
    assert [status for status, _, _ in answers] == [405, 200], answers
    _, headers, body = answers[0]
    assert headers["allow"] == "GET"
    assert set(body) == {"error"} and "message" in body["error"], body  # the voice envelope
    entry = _journal(origin)[1]
    assert (entry["method"], entry["status"]) == ("BREW", 405)


def test_an_unknown_method_outside_every_api_gets_a_generic_json_answer(served: Any) -> None:
    origin, _ = served
    sock = _connect(origin)
    sock.sendall(b"BREW /nowhere HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    answers = _answers(_until_closed(sock))
    sock.close()
    assert len(answers) == 1 and answers[0][0] in (400, 404, 405), answers
    assert "apis" in answers[0][2]


@pytest.mark.parametrize(
    "framing",
    [
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    ],
    ids=["bad-chunk-size", "two-content-lengths"],
)
def test_a_request_the_parser_cannot_read_gets_json_400_and_close(
    served: Any, framing: bytes
) -> None:
    """uvicorn answered these in plain text; no partner is known before the request is read,
    so the answer is the generic JSON of the other answers given that early (431, 408)."""
    origin, _ = served
    sock = _connect(origin)
    sock.sendall(b"POST /voice/api/v1/calls HTTP/1.1\r\nHost: t\r\n" + VOICE_KEY + framing)
    answers = _answers(_until_closed(sock))  # JSON, and closed (not "<still open>")
    sock.close()
    assert len(answers) == 1 and answers[0][0] == 400, answers
    assert answers[0][1]["connection"] == "close" and answers[0][2]["message"], answers
    # journaled as what it was (not as a client that left mid-body), with the parser's reason
    entry = _journal(origin)[0]
    assert (entry["status"], entry["outcome"]) == (400, "bad_framing"), entry
    assert entry["reasons"] == [answers[0][2]["message"]], entry


def test_a_large_body_after_an_early_answer_is_not_counted_as_header_bytes(served: Any) -> None:
    """The mock answers 401 before a 200 kB body is in; the rest of the body was counted as the
    next request's header section: a second, spurious 431 (journaled), then a closed connection,
    so a keep-alive client's next valid request failed."""
    origin, _ = served
    sock = _connect(origin)
    size = 200_000
    sock.sendall(
        b"POST /ziett/c/v1/messages HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {size}\r\n\r\n".encode()
    )
    time.sleep(0.3)  # the 401 goes out before the body
    sock.sendall(b'{"a":"' + b"A" * (size - 8) + b'"}')
    time.sleep(0.3)
    sock.sendall(b"GET /voice/api/v1/balance HTTP/1.1\r\nHost: t\r\n" + VOICE_KEY)
    sock.sendall(b"Connection: close\r\n\r\n")
    answers = _answers(_until_closed(sock))
    sock.close()
    assert [status for status, _, _ in answers] == [401, 200], answers
    latest = [(e["method"], e["status"], e["outcome"]) for e in _journal(origin)[:2]]
    assert latest == [("GET", 200, "answered"), ("POST", 401, "answered")], latest


def test_no_traceback_reached_the_log(served: Any) -> None:
    """Runs after the tests above on the same process: nothing they did logged an error."""
    _, proc = served
    stop(proc)
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert "Traceback" not in output and "unhandled error" not in output, output[-3000:]


def test_sigterm_with_a_half_sent_body_exits_within_the_graceful_timeout() -> None:
    args = ("--graceful-timeout", "2", "--timeout-body", "60")
    with mock_process_handle(*args) as (origin, proc):
        sock = _connect(origin)
        sock.sendall(POST_HEAD + b'{"to": "')
        time.sleep(0.3)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=2 + 5)  # the drain, plus slack for a loaded machine
        finally:
            sock.close()
        print(f"exited {time.monotonic() - started:.1f} s after SIGTERM (graceful timeout 2 s)")
        assert proc.returncode is not None


def test_connections_over_the_concurrency_cap_get_503() -> None:
    with mock_process_handle("--limit-concurrency", "5") as (origin, _):
        held = [_connect(origin) for _ in range(6)]
        time.sleep(0.3)  # the server has accepted them
        r = httpx.get(f"{origin}/__mock/health", timeout=5)
        for sock in held:
            sock.close()
        assert r.status_code == 503

"""Callbacks: processed items are posted back to a real HTTPS receiver on loopback.

Delays and backoff go through a fake scheduler (it records each requested delay, advances a fake
clock by it, and runs the job at once), so nothing here waits for real except the receiver's
own round trips and one short read timeout.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from mock_server.core.config import Config, from_sources
from mock_server.core.problems import Rejection
from mock_server.core.profile import parse_callbacks
from mock_server.core.template import fill, fill_text
from mock_server.outbound.callbacks import callback_schema, load_rules, utc_stamp
from mock_server.outbound.egress import (
    AllowList,
    Delivery,
    DeliveryError,
    Dispatcher,
    Refused,
    ThreadScheduler,
    backoff,
    check_target,
)
from mock_server.outbound.egress import Job as EgressJob
from mock_server.state.journal import Journal
from mock_server.world.runtime import build_runtime
from tests.conftest import ROOT, Mock
from tests.mock.test_zipteams import HEADERS, URL, item

START = 1_700_000_000.0  # the fake clock's epoch: 2023-11-14T22:13:20Z
SLOW = "slow"  # a receiver script step: answer after the mock's read timeout
TIMEOUT = 0.2


# --- test doubles ------------------------------------------------------------------------------


class FakeScheduler:
    """Records requested delays; ``run()`` advances the clock by each and runs the job."""

    def __init__(self) -> None:
        self.now = START
        self.delays: list[float] = []
        self._jobs: deque[tuple[float, EgressJob]] = deque()

    def clock(self) -> float:
        return self.now

    def call_later(self, delay: float, job: EgressJob) -> bool:
        self.delays.append(delay)
        self._jobs.append((delay, job))
        return True

    def run(self) -> None:
        while self._jobs:
            delay, job = self._jobs.popleft()
            self.now += delay
            job()

    def stop(self) -> None:
        self._jobs.clear()


class Receiver:
    """A real HTTPS server on 127.0.0.1 (certificate from the test CA) that records each POST and
    answers the next status of its ``script`` (200 once the script is used up)."""

    def __init__(self, ca: trustme.CA) -> None:
        self.script: list[int | str] = []
        self.received: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.changed:
                    step = receiver.script.pop(0) if receiver.script else 200
                    receiver.received.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": json.loads(raw),
                        }
                    )
                    receiver.changed.notify_all()
                if step == SLOW:
                    time.sleep(TIMEOUT * 1.5)
                    step = 200
                try:
                    self.send_response(int(step))
                    self.send_header("content-length", "0")
                    self.end_headers()
                except OSError:  # the mock gave up waiting
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        # pinned.test: a name no DNS answers (RFC 6761), for the address-pinning test
        ca.issue_cert("localhost", "127.0.0.1", "pinned.test").configure_cert(context)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str = "/results", host: str = "localhost") -> str:
        return f"https://{host}:{self.port}{path}"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Harness:
    """The mock (async app) with a fake scheduler and clock, and a receiver behind it."""

    receiver: Receiver

    def __init__(self, ca_file: Path | None, ports: tuple[int, ...], **config: Any) -> None:
        """``ports``: the loopback ports callbacks may reach (the receiver's, passed on)."""
        self.scheduler = FakeScheduler()
        settings: dict[str, Any] = {
            "callback_ca_file": ca_file,
            "callback_timeout": TIMEOUT,
            "callback_loopback_ports": ports,
        }
        runtime = build_runtime(
            Config(jwt_secret="test-secret", **{**settings, **config}),
            clock=self.scheduler.clock,
            scheduler=self.scheduler,
        )
        self.mock = Mock(runtime)

    def post(self, *items: dict[str, Any]) -> None:
        r = self.mock.request("POST", URL, json={"data": list(items)}, headers=HEADERS)
        assert r.status_code == 200, r.text

    def journal(self, **params: Any) -> list[dict[str, Any]]:
        r = self.mock.request("GET", "/__mock/callbacks", params=params)
        assert r.status_code == 200
        entries: list[dict[str, Any]] = r.json()["entries"]
        return entries[::-1]  # oldest first


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="module")
def _module_receiver(ca: trustme.CA) -> Iterator[Receiver]:
    """One receiver per module, so its port can be passed to the harnesses built once."""
    server = Receiver(ca)
    yield server
    server.close()


@pytest.fixture
def receiver(_module_receiver: Receiver) -> Receiver:
    """The receiver, with its script and what it received emptied."""
    with _module_receiver.changed:
        _module_receiver.script.clear()
        _module_receiver.received.clear()
    return _module_receiver


def make_harness(
    receiver: Receiver, ca_file: Path | None, *more_ports: int, **config: Any
) -> Harness:
    harness = Harness(ca_file, (receiver.port, *more_ports), **config)
    harness.receiver = receiver
    return harness


@pytest.fixture(scope="module")
def _module_harness(ca_file: Path, _module_receiver: Receiver) -> Harness:
    return Harness(ca_file, (_module_receiver.port,))


@pytest.fixture
def harness(_module_harness: Harness, receiver: Receiver) -> Harness:
    """The default harness, reset, in front of a fresh receiver."""
    _module_harness.mock.runtime.reset()
    _module_harness.scheduler.now = START
    _module_harness.scheduler.delays.clear()
    _module_harness.receiver = receiver
    return _module_harness


def with_callback(call_id: str, url: str, **metadata: Any) -> dict[str, Any]:
    return {**item(call_id), "callback_url": url, "metadata": metadata or {"campaign": "Q1"}}


ZIPTEAMS = yaml.safe_load((ROOT / "specs" / "zipteams.yaml").read_text())


def spec_errors(doc: dict[str, Any], operation: str, name: str, body: Any) -> list[str]:
    """What is wrong with ``body`` for the callback ``name`` the spec declares on ``operation``."""
    schema = {**callback_schema(doc, operation, name), "components": doc["components"]}
    validator = OAS30Validator(schema, format_checker=oas30_format_checker)
    return [e.message for e in validator.iter_errors(body)]


# --- end to end through the mock ----------------------------------------------------------------


def test_processed_call_is_posted_back_as_the_spec_declares(harness: Harness) -> None:
    url = harness.receiver.url()
    harness.post(with_callback("call-1", url, campaign="Q1 Outreach", crm_lead_id=98123))
    assert harness.receiver.received == []  # processing is asynchronous
    harness.scheduler.run()

    assert harness.scheduler.delays == [Config.callback_delay]
    [request] = harness.receiver.received
    assert request["path"] == "/results"
    assert request["headers"]["content-type"] == "application/json"
    processed_at = utc_stamp(START + Config.callback_delay)
    assert request["body"] == {
        "call_id": "call-1",
        "status": "completed",
        "processed_at": processed_at,
        "metadata": {"campaign": "Q1 Outreach", "crm_lead_id": 98123},
    }
    assert spec_errors(ZIPTEAMS, "ingestBatchCall", "processingResult", request["body"]) == []
    [entry] = harness.journal()
    assert entry["state"] == "delivered"
    assert entry["status"] == 200
    assert entry["attempt"] == 1
    assert entry["target"] == url
    assert entry["time"] == START + Config.callback_delay
    assert entry["next_retry_at"] is None
    assert (entry["api"], entry["operation"], entry["callback"]) == (
        "zipteams",
        "ingestBatchCall",
        "processingResult",
    )


ZIETT = yaml.safe_load((ROOT / "specs" / "ziett.yaml").read_text())
ZIETT_KEY = {"X-API-Key": "zt_test_ziett_key_0001"}


@pytest.mark.parametrize(
    ("to", "status", "error_code"),
    [
        ("+14155550123", "delivered", None),
        ("+15005550001", "failed", "DESTINATION_UNREACHABLE"),  # failure on demand (profile)
    ],
)
def test_ziett_delivery_status_webhook_rides_the_same_machinery(
    harness: Harness, to: str, status: str, error_code: str | None
) -> None:
    message = {"to": to, "channel": "sms", "body": "hi", "callback_url": harness.receiver.url()}
    r = harness.mock.request("POST", "/ziett/c/v1/messages", json=message, headers=ZIETT_KEY)
    assert r.status_code == 202, r.text
    harness.scheduler.run()
    [request] = harness.receiver.received
    assert request["body"] == {
        "message_id": r.json()["id"],
        "campaign_id": None,
        "status": status,
        "error_code": error_code,
        "timestamp": utc_stamp(START + Config.callback_delay),
    }
    assert spec_errors(ZIETT, "sendMessage", "deliveryStatus", request["body"]) == []
    [entry] = harness.journal()
    assert (entry["api"], entry["callback"], entry["state"]) == (
        "ziett",
        "deliveryStatus",
        "delivered",
    )


def test_items_without_callback_url_get_no_callback(harness: Harness) -> None:
    harness.post(item("no-url"))
    harness.scheduler.run()
    assert harness.scheduler.delays == []
    assert harness.journal() == []


def test_failure_on_demand_through_metadata(harness: Harness) -> None:
    harness.post(with_callback("call-2", harness.receiver.url(), mock_result="failed", k="v"))
    harness.scheduler.run()
    [request] = harness.receiver.received
    assert request["body"] == {
        "call_id": "call-2",
        "status": "failed",
        "processed_at": utc_stamp(START + Config.callback_delay),
        "metadata": {"mock_result": "failed", "k": "v"},
        "error": {"message": "Recording could not be downloaded"},
    }
    assert spec_errors(ZIPTEAMS, "ingestBatchCall", "processingResult", request["body"]) == []
    assert harness.journal()[0]["outcome"] == "failure"


def test_receiver_errors_are_retried_with_exponential_backoff(harness: Harness) -> None:
    harness.receiver.script = [500, 503, SLOW]
    harness.post(with_callback("call-3", harness.receiver.url()))
    harness.scheduler.run()

    assert harness.scheduler.delays == [Config.callback_delay, 1.0, 2.0, 4.0]
    bodies = [r["body"] for r in harness.receiver.wait_for(4)]
    assert len(bodies) == 4 and all(b == bodies[0] for b in bodies)  # one result, resent
    entries = harness.journal()
    assert [(e["attempt"], e["state"], e["status"]) for e in entries] == [
        (1, "retrying", 500),
        (2, "retrying", 503),
        (3, "retrying", None),
        (4, "delivered", 200),
    ]
    assert entries[0]["error"] == "receiver answered 500"
    assert "Timeout" in entries[2]["error"]
    for earlier, later, wait in zip(entries[:-1], entries[1:], [1.0, 2.0, 4.0], strict=True):
        assert earlier["next_retry_at"] == earlier["time"] + wait == later["time"]


def test_gives_up_after_three_retries(harness: Harness) -> None:
    harness.receiver.script = [500] * 10
    harness.post(with_callback("call-4", harness.receiver.url()))
    harness.scheduler.run()
    assert len(harness.receiver.received) == 4
    entries = harness.journal()
    assert [(e["attempt"], e["state"]) for e in entries] == [
        (1, "retrying"),
        (2, "retrying"),
        (3, "retrying"),
        (4, "gave_up"),
    ]
    assert entries[-1]["next_retry_at"] is None
    assert entries[-1]["error"] == "receiver answered 500"
    assert harness.journal(state="gave_up") == entries[-1:]


def test_refused_connections_are_retried_then_given_up(receiver: Receiver, ca_file: Path) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    h = make_harness(receiver, ca_file, closed_port, callback_backoff=0.5)
    h.post(with_callback("call-5", f"https://127.0.0.1:{closed_port}/cb"))
    h.scheduler.run()
    assert h.scheduler.delays == [Config.callback_delay, 0.5, 1.0, 2.0]
    entries = h.journal()
    assert [e["state"] for e in entries] == ["retrying"] * 3 + ["gave_up"]
    assert all("ConnectError" in e["error"] and e["status"] is None for e in entries)


def test_one_callback_per_call_id_across_resubmission(harness: Harness) -> None:
    url = harness.receiver.url()
    harness.post(with_callback("dup", url), with_callback("a", url))
    harness.scheduler.run()
    harness.post(with_callback("dup", url), with_callback("b", url))
    harness.post(with_callback("dup", url))
    harness.scheduler.run()
    ids = [r["body"]["call_id"] for r in harness.receiver.received]
    assert sorted(ids) == ["a", "b", "dup"]
    assert len(harness.journal()) == 3


def test_user_info_in_a_callback_url_is_masked_in_the_callback_journal(harness: Harness) -> None:
    """As in the request journal (README: user-info is masked in every string)."""
    url = "https://user:pw-s3cret@169.254.169.254/latest"
    harness.post(with_callback("call-7", url))
    harness.scheduler.run()
    [entry] = harness.journal()
    assert entry["state"] == "refused"
    assert "pw-s3cret" not in json.dumps(entry), entry
    assert entry["target"] == "https://****@169.254.169.254/latest"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://10.1.2.3/cb", "is not allowed"),
        ("https://[fd00::1]:8443/cb", "is not allowed"),
        ("https://169.254.169.254/latest/meta-data", "is not allowed"),
    ],
    ids=["private-ipv4", "private-ipv6", "cloud-metadata"],
)
def test_disallowed_target_is_refused_and_recorded(harness: Harness, url: str, reason: str) -> None:
    harness.post(with_callback("call-6", url))
    harness.scheduler.run()
    assert harness.scheduler.delays == [Config.callback_delay]  # never retried
    [entry] = harness.journal()
    assert entry["state"] == "refused"
    assert entry["target"] == url
    assert reason in entry["error"]
    assert entry["status"] is None and entry["next_retry_at"] is None
    assert harness.receiver.received == []


def test_configured_host_is_allowed(receiver: Receiver, ca_file: Path) -> None:
    h = make_harness(receiver, ca_file, callback_allow=("localhost",))
    h.post(with_callback("by-name", receiver.url(host="localhost")))
    h.post(with_callback("by-address", receiver.url(host="127.0.0.1")))
    h.scheduler.run()
    states = {e["body"]["call_id"]: e["state"] for e in h.journal()}
    assert states == {"by-name": "delivered", "by-address": "refused"}


def test_untrusted_certificate_is_not_delivered(receiver: Receiver) -> None:
    h = make_harness(receiver, None)
    h.post(with_callback("call-7", receiver.url()))
    h.scheduler.run()
    entries = h.journal()
    assert [e["state"] for e in entries] == ["retrying"] * 3 + ["gave_up"]
    assert "CERTIFICATE_VERIFY_FAILED" in entries[0]["error"]
    assert receiver.received == []


def test_reset_clears_the_journal_and_abandons_pending_callbacks(harness: Harness) -> None:
    url = harness.receiver.url()
    harness.post(with_callback("before", url))
    harness.scheduler.run()
    harness.post(with_callback("pending", url))
    assert harness.mock.request("POST", "/__mock/reset").status_code == 200
    assert harness.journal() == []
    harness.scheduler.run()
    assert [r["body"]["call_id"] for r in harness.receiver.received] == ["before"]
    assert harness.journal() == []


def test_a_reset_on_one_worker_abandons_what_another_worker_scheduled(
    receiver: Receiver, ca_file: Path, redis_url: str
) -> None:
    """Two workers on one Redis: the generation that drops scheduled deliveries was kept per
    process, so after an admin reset the other worker's retries went on being made and
    journaled (reset says it clears the callback journal)."""
    one, two = (make_harness(receiver, ca_file, store=redis_url) for _ in range(2))
    url = receiver.url()
    one.post(with_callback("before", url))
    one.scheduler.run()
    one.post(with_callback("pending", url))  # scheduled in worker one
    assert two.mock.request("POST", "/__mock/reset").status_code == 200  # reset through two
    one.scheduler.run()
    assert [r["body"]["call_id"] for r in receiver.received] == ["before"]
    assert one.journal() == [] and two.journal() == []


def test_journal_is_bounded_and_filtered(receiver: Receiver, ca_file: Path) -> None:
    h = make_harness(receiver, ca_file, callback_journal_size=2)
    url = receiver.url()
    h.post(*(with_callback(f"c{i}", url) for i in range(3)))
    h.post(with_callback("far", "https://10.9.9.9/cb"))
    h.scheduler.run()
    assert [e["body"]["call_id"] for e in h.journal()] == ["c2", "far"]
    assert [e["body"]["call_id"] for e in h.journal(state="refused")] == ["far"]
    assert len(h.journal(limit=1)) == 1
    for bad in ({"api": "nope"}, {"state": "bogus"}):
        r = h.mock.request("GET", "/__mock/callbacks", params=bad)
        assert r.status_code == 400, bad
        assert (next(iter(bad)) + "=") in r.json()["message"]
    allowed = h.mock.request("GET", "/__mock/callbacks", params={"state": "x"}).json()["allowed"]
    assert set(allowed) == {"delivered", "retrying", "gave_up", "refused", "dropped"}
    assert h.mock.request("GET", "/__mock/callbacks", params={"limit": "x"}).status_code == 400


@pytest.mark.parametrize("app_kind", ["async", "flask"])
def test_real_background_delivery_under_both_app_kinds(
    receiver: Receiver, ca_file: Path, app_kind: str
) -> None:
    config = Config(
        jwt_secret="test-secret",
        app_kind=app_kind,
        callback_ca_file=ca_file,
        callback_delay=0.0,
        callback_backoff=0.01,
        callback_loopback_ports=(receiver.port,),
    )
    runtime = build_runtime(config)
    m = Mock(runtime)
    receiver.script = [500]
    try:
        r = m.request(
            "POST", URL, json={"data": [with_callback("bg", receiver.url())]}, headers=HEADERS
        )
        assert r.status_code == 200
        assert [x["body"]["call_id"] for x in receiver.wait_for(2)] == ["bg", "bg"]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            entries = m.request("GET", "/__mock/callbacks").json()["entries"]
            if entries and entries[0]["state"] == "delivered":
                break
            time.sleep(0.01)
        assert [e["state"] for e in entries] == ["delivered", "retrying"]
    finally:
        assert runtime.callbacks is not None
        runtime.callbacks.stop()


# --- pure pieces ----------------------------------------------------------------------------


def test_backoff_doubles() -> None:
    assert [backoff(n, 1.0) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert [backoff(n, 0.25) for n in (1, 2, 3)] == [0.25, 0.5, 1.0]


def resolver_of(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("Name or service not known")
        return table[host]

    return resolve


LOOPBACK = AllowList.parse(Config.callback_allow, loopback_ports=[8443])


def test_every_resolved_address_must_be_allowed() -> None:
    resolve = resolver_of(
        {
            "rebind.test": ["127.0.0.1", "10.0.0.5"],
            "loop.test": ["127.0.0.2", "::1"],
            "mapped.test": ["::ffff:10.0.0.1"],
        }
    )
    target = check_target("https://loop.test:8443/x", LOOPBACK, resolve)
    assert (target.host, target.port, target.addresses) == ("loop.test", 8443, ("127.0.0.2", "::1"))
    with pytest.raises(Refused, match=r"10\.0\.0\.5"):
        check_target("https://rebind.test/x", LOOPBACK, resolve)
    with pytest.raises(Refused):
        check_target("https://mapped.test/x", LOOPBACK, resolve)
    with pytest.raises(Refused, match="only https"):
        check_target("http://127.0.0.1/x", LOOPBACK, resolve)
    with pytest.raises(DeliveryError, match="cannot resolve"):
        check_target("https://unknown.test/x", LOOPBACK, resolve)


def test_allow_list_names_and_networks() -> None:
    allow = AllowList.parse(["*.partner.example", "9.9.9.0/24"])
    resolve = resolver_of(
        {
            "hooks.partner.example": ["93.184.215.14"],
            "x.test": ["9.9.9.9"],
            "partner.example.evil": ["93.184.215.15"],
        }
    )
    assert check_target("https://hooks.partner.example/cb", allow, resolve).addresses == (
        "93.184.215.14",
    )
    assert check_target("https://x.test/cb", allow, resolve).addresses == ("9.9.9.9",)
    with pytest.raises(Refused):
        check_target("https://partner.example.evil/cb", allow, resolve)
    with pytest.raises(Refused):
        check_target("https://localhost/cb", allow, resolver_of({"localhost": ["127.0.0.1"]}))


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",  # cloud metadata (link-local)
        "192.168.1.10",  # RFC 1918
        "10.1.2.3",
        "172.16.0.1",
        "100.64.1.1",  # CGNAT
        "169.254.10.1",  # link-local
        "fd00:ec2::254",  # AWS's IPv6 metadata (unique-local)
        "fd12:3456::1",  # unique-local
        "fe80::1",  # link-local
        "::ffff:192.168.1.10",  # IPv4-mapped
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:c0a8:10a::",  # 6to4 of 192.168.1.10
        "0.0.0.0",  # unspecified: the local host on Linux
        "224.0.0.1",  # multicast
    ],
)
def test_an_allow_listed_name_resolving_to_a_non_public_address_is_refused(address: str) -> None:
    """The allow-list admits the name; the address check still runs on what it resolves to."""
    allow = AllowList.parse(["*.example.com"])
    resolve = resolver_of({"hooks.example.com": ["93.184.215.14", address]})
    with pytest.raises(Refused, match=re.escape(address)):
        check_target("https://hooks.example.com/cb", allow, resolve)


def test_private_ranges_need_the_flag_and_metadata_is_never_reached() -> None:
    private = AllowList.parse(["*.example.com"], allow_private=True)
    resolve = resolver_of(
        {
            "lan.example.com": ["192.168.1.10", "100.64.1.1", "fd12:3456::1"],
            "meta.example.com": ["169.254.169.254"],
            "meta6.example.com": ["fd00:ec2::254"],
        }
    )
    target = check_target("https://lan.example.com/cb", private, resolve)
    assert target.addresses == ("192.168.1.10", "100.64.1.1", "fd12:3456::1")
    for host in ("meta.example.com", "meta6.example.com"):
        with pytest.raises(Refused, match="metadata"):
            check_target(f"https://{host}/cb", private, resolve)
    with pytest.raises(Refused, match="metadata"):
        check_target(
            "https://169.254.169.254/latest", AllowList.parse(["0.0.0.0/0"], True), resolve
        )


def test_loopback_needs_an_explicit_port_list() -> None:
    resolve = resolver_of({"localhost": ["127.0.0.1", "::1"]})
    bare = AllowList.parse(Config.callback_allow)
    with pytest.raises(Refused, match="port 8443 is not in --callback-loopback-ports"):
        check_target("https://localhost:8443/cb", bare, resolve)
    with pytest.raises(Refused, match="loopback"):
        check_target("https://127.0.0.1:9000/cb", bare, resolve)
    ported = AllowList.parse(Config.callback_allow, loopback_ports=[8443, 9000])
    assert check_target("https://localhost:8443/cb", ported, resolve).addresses == (
        "127.0.0.1",
        "::1",
    )
    assert check_target("https://127.0.0.1:9000/cb", ported, resolve).port == 9000
    with pytest.raises(Refused, match="port 443"):
        check_target("https://localhost/cb", ported, resolve)
    # allow_private does not open loopback: only the port list does
    with pytest.raises(Refused, match="loopback"):
        check_target("https://[::1]:7000/cb", AllowList.parse(["::1"], True), resolve)


def test_the_connection_goes_to_the_checked_address_with_the_names_tls_and_host(
    receiver: Receiver, ca_file: Path
) -> None:
    """No second lookup: ``pinned.test`` resolves only through the patched resolver (no DNS
    answers it), so a delivery proves the connection went to the address that was checked,
    while TLS verified the certificate for the name and Host carried it."""
    h = make_harness(receiver, ca_file, callback_allow=("pinned.test",))
    h.mock.runtime.callbacks.dispatcher.resolver = resolver_of({"pinned.test": ["127.0.0.1"]})
    h.post(with_callback("pinned", receiver.url(host="pinned.test")))
    h.scheduler.run()
    assert [(e["state"], e["error"]) for e in h.journal()] == [("delivered", None)]
    [got] = receiver.received
    assert got["headers"]["host"] == f"pinned.test:{receiver.port}"


def test_delivery_to_a_name_rebound_to_metadata_is_refused_end_to_end(
    receiver: Receiver, ca_file: Path
) -> None:
    """Through the mock: an allow-listed name whose resolver (patched, not the network)
    answers 169.254.169.254 is journaled as refused, never attempted, never retried."""
    h = make_harness(receiver, ca_file, callback_allow=("*.example.com", "localhost"))
    dispatcher = h.mock.runtime.callbacks.dispatcher
    dispatcher.resolver = resolver_of(
        {"hooks.example.com": ["169.254.169.254"], "localhost": ["127.0.0.1"]}
    )
    h.post(with_callback("meta", "https://hooks.example.com/cb"))
    h.post(with_callback("ok", receiver.url()))
    h.post(with_callback("other-port", f"https://localhost:{receiver.port + 1}/cb"))
    h.scheduler.run()
    states = {e["body"]["call_id"]: (e["state"], e["error"]) for e in h.journal()}
    assert states["meta"][0] == "refused" and "metadata" in states["meta"][1]
    assert states["ok"] == ("delivered", None)
    assert states["other-port"][0] == "refused" and "loopback" in states["other-port"][1]
    assert [r["body"]["call_id"] for r in receiver.received] == ["ok"]


def test_template_pointers_values_and_optional_keys() -> None:
    template = {
        "id": "{/a/b}",
        "s": "{status}",
        "m": "{/meta?}",
        "e": "{error?}",
        "lit": "x",
        "l": ["{/a}"],
        "esc": "{/x~1y}",
        "gone": "{/absent?}",
        "text": "{status} at {n:,}, {unknown} kept",
    }
    item = {"a": {"b": 7}, "meta": {}, "x/y": True}
    assert fill(template, {"status": "ok", "n": 1500}, item) == {
        "id": 7,
        "s": "ok",
        "lit": "x",
        "l": [{"b": 7}],
        "esc": True,
        "text": "ok at 1,500, {unknown} kept",
    }
    assert fill({"k": "{/missing}", "v": "{nothing}"}, {}, item) == {"k": None, "v": None}
    assert fill_text("{count:,} of {total}", {"count": 12000}) == "12,000 of {total}"


def test_the_same_machinery_builds_a_delivery_status_event() -> None:
    """A create-style listener gets the new resource; any spec's declared callback fits."""
    doc = yaml.safe_load((ROOT / "specs" / "ziett.yaml").read_text())
    section = {
        "sendMessage": {
            "callback": "deliveryStatus",
            "url": "/callback_url",
            "body": {
                "message_id": "{/id}",
                "campaign_id": "{/campaign_id}",
                "status": "{status}",
                "error_code": "{error_code}",
                "timestamp": "{now}",
            },
            "success": {"status": "delivered", "error_code": None},
            "failure": {"status": "failed", "error_code": "DESTINATION_UNREACHABLE"},
            "fail_when": {"at": "/to", "equals": "+15005550001"},
        }
    }
    rule = load_rules(doc, parse_callbacks(section))["sendMessage"]
    assert rule.method == "POST"
    resource = {"id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "to": "+15005550001"}
    body = rule.build(resource, rule.outcome(resource), START)
    assert body["status"] == "failed" and body["campaign_id"] is None
    assert spec_errors(doc, "sendMessage", "deliveryStatus", body) == []
    with pytest.raises(LookupError):
        load_rules(
            doc, parse_callbacks({"sendMessage": {**section["sendMessage"], "callback": "nope"}})
        )


def test_thread_scheduler_runs_due_jobs_in_order_and_stops() -> None:
    scheduler = ThreadScheduler(workers=1, capacity=3)
    ran: list[str] = []
    done = threading.Event()

    def late() -> None:
        ran.append("late")
        done.set()

    assert scheduler.call_later(0.05, late)
    assert scheduler.call_later(0.0, lambda: ran.append("soon"))
    assert done.wait(5)
    assert ran == ["soon", "late"]
    assert scheduler.call_later(60, lambda: ran.append("never"))
    assert scheduler.call_later(60, lambda: None)
    assert scheduler.call_later(60, lambda: None)
    assert not scheduler.call_later(60, lambda: None)  # bounded
    scheduler.stop()
    assert scheduler.pending() == 0
    assert not scheduler.call_later(0, lambda: None)
    assert ran == ["soon", "late"]


def test_callback_flags() -> None:
    config = from_sources(
        [
            "--callback-allow",
            "10.0.0.0/8",
            "--callback-allow",
            "*.partner.example",
            "--callback-ca-file",
            "ca.pem",
            "--callback-delay",
            "0.1",
            "--callback-backoff",
            "2",
            "--callback-timeout",
            "3",
        ],
        {},
    )
    assert config.callback_allow == ("10.0.0.0/8", "*.partner.example")
    assert config.callback_ca_file == Path("ca.pem").resolve()
    assert (config.callback_delay, config.callback_backoff, config.callback_timeout) == (0.1, 2, 3)
    assert from_sources([], {}).callback_allow == ("127.0.0.0/8", "::1", "localhost")
    assert (config.callback_allow_private, config.callback_loopback_ports) == (False, ())
    flagged = from_sources(
        ["--callback-allow-private", "--callback-loopback-ports", "8443,9000"], {}
    )
    assert (flagged.callback_allow_private, flagged.callback_loopback_ports) == (True, (8443, 9000))
    from_env = from_sources(
        [], {"MOCK_CALLBACK_LOOPBACK_PORTS": "9443", "MOCK_CALLBACK_ALLOW_PRIVATE": "1"}
    )
    assert (from_env.callback_allow_private, from_env.callback_loopback_ports) == (True, (9443,))
    for bad in ("x", "0", "70000"):
        with pytest.raises(SystemExit):
            from_sources(["--callback-loopback-ports", bad], {})


class _StoreAwayAtTimes(Journal):
    """A callback journal whose generation cannot be read on the calls numbered in ``away``."""

    def __init__(self, away: set[int]) -> None:
        super().__init__()
        self.away, self.calls = away, 0

    def generation(self) -> int:
        self.calls += 1
        if self.calls in self.away:
            raise Rejection("unavailable")
        return super().generation()


@pytest.mark.parametrize("away", [{1}, {2}], ids=["away-when-scheduled", "away-when-due"])
def test_a_delivery_goes_on_when_the_store_cannot_say_whether_a_reset_came(
    away: set[int],
) -> None:
    """Unknown counted as "reset": a callback scheduled or due while Redis was away vanished."""
    scheduler, sent = FakeScheduler(), []
    journal = _StoreAwayAtTimes(away)
    dispatcher = Dispatcher(
        allow=AllowList.parse(["hooks.example.com"]),
        delay=1.0,
        backoff_base=1.0,
        retries=0,
        scheduler=scheduler,
        send=lambda target, method, body: sent.append(body) or 200,
        clock=scheduler.clock,
        journal=journal,
        resolver=lambda host, port: ["93.184.216.34"],
    )
    url = "https://hooks.example.com/cb"
    dispatcher.submit(Delivery("zipteams", "op", "cb", "POST", url, "ok", lambda now: {"n": 1}))
    scheduler.run()
    assert sent == [{"n": 1}]
    assert [e["state"] for e in journal.query()] == ["delivered"]

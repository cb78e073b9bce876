"""Outbound HTTP from the mock: where it may connect, when it retries, and a journal of attempts.

Partner-neutral: :mod:`mock_server.outbound.callbacks` decides *what* to send; this module sends it.

- :class:`AllowList` and :func:`check_target` (pure, resolver injected): only ``https`` URLs,
  and only to hosts the configuration allows (the name listed, or every address in a listed
  network). Then *every* resolved address is checked on its own, allowed names included:
  loopback only on a listed port (``--callback-loopback-ports``); private, link-local, CGNAT,
  unique-local and other non-global ranges only with ``--callback-allow-private``; the cloud
  metadata addresses, unspecified and multicast never. The request is then pinned to the checked
  addresses (see :class:`HttpxSender`), so a DNS answer that changes between check and connect
  (rebinding) cannot reach another network.
- :func:`backoff`: the wait before retry ``n`` (``base * 2**(n-1)``: 1, 2, 4 s by default).
- :class:`Scheduler`: "run this later"; :class:`ThreadScheduler` is the real one (a few daemon
  worker threads over one bounded timer heap, independent of any event loop, so it works the
  same under AsyncApp, FlaskApp and the in-process test client). Tests inject their own.
- :class:`Dispatcher`: one delivery = a first attempt after the processing delay, then up to
  ``retries`` retries while the receiver answers non-2xx, times out or refuses the connection.
  Every attempt is journaled (bounded; bodies redacted like the request journal); a refused
  target is journaled and never retried.
"""

from __future__ import annotations

import functools
import heapq
import ipaddress
import itertools
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import certifi
import httpx

from mock_server.core.problems import Rejection
from mock_server.state.journal import Journal, mask_text, redact_body

log = logging.getLogger("mock_server")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

# Delivery states, as journaled.
DELIVERED = "delivered"
RETRYING = "retrying"
GAVE_UP = "gave_up"
REFUSED = "refused"
DROPPED = "dropped"
STATES = [DELIVERED, RETRYING, GAVE_UP, REFUSED, DROPPED]  # the journal's ``state=`` filter


class Refused(Exception):
    """The target is not allowed; retrying cannot help."""


class DeliveryError(Exception):
    """The attempt failed on the way (resolution, connection, TLS, timeout); worth a retry."""


# --- where the mock may connect (pure) -------------------------------------------------------


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


# Never a callback receiver, whatever the flags: cloud instance metadata (AWS, GCP, Azure,
# OpenStack use the IPv4 one; AWS's IPv6 one) and what embeds it.
METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254"))
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded(address: Address) -> Address | None:
    """The IPv4 address an IPv6 one carries (6to4, Teredo's client, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(
    address: Address, port: int, allow_private: bool, loopback_ports: frozenset[int]
) -> str | None:
    """Why ``address:port`` may not be called back (None: it may). ``ipaddress``'s own
    properties decide the ranges; ``is_global`` false covers private (RFC 1918), link-local,
    CGNAT (100.64/10), unique-local (fc00::/7), documentation and reserved ranges."""
    for candidate in (address, _embedded(address)):
        if candidate is None:
            continue
        if candidate in METADATA:
            return "is a cloud metadata address"
        if candidate.is_unspecified or candidate.is_multicast:
            return "is not a unicast address"
        if candidate.is_loopback:
            if port not in loopback_ports:
                return f"is loopback and port {port} is not in --callback-loopback-ports"
            continue
        if not candidate.is_global and not allow_private:
            return "is not a public address (allow with --callback-allow-private)"
    return None


@dataclass(frozen=True)
class AllowList:
    """Networks (``127.0.0.0/8``, ``::1``) and host names (``localhost``, ``*.example.com``)
    callbacks may go to, and the address rules every resolved address must pass besides
    (:func:`address_problem`)."""

    networks: tuple[Network, ...]
    names: tuple[str, ...]
    allow_private: bool = False
    loopback_ports: frozenset[int] = frozenset()

    @classmethod
    def parse(
        cls,
        entries: Iterable[str],
        allow_private: bool = False,
        loopback_ports: Iterable[int] = (),
    ) -> AllowList:
        networks: list[Network] = []
        names: list[str] = []
        for entry in (e.strip() for e in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.append(entry.lower().rstrip("."))
        return cls(tuple(networks), tuple(names), allow_private, frozenset(loopback_ports))

    def allows_name(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(
            host == name or (name.startswith("*.") and host.endswith(name[1:]))
            for name in self.names
        )

    def allows_address(self, text: str) -> bool:
        address = _address(text)
        return address is not None and any(
            address.version == net.version and address in net for net in self.networks
        )

    def address_problem(self, text: str, port: int) -> str | None:
        address = _address(text)
        if address is None:
            return "is not an IP address"
        return address_problem(address, port, self.allow_private, self.loopback_ports)


@dataclass(frozen=True)
class PinnedUrl:
    url: str
    host: str  # as written in the URL: the TLS server name and the Host header
    port: int
    addresses: tuple[str, ...]  # checked addresses, tried in order


def system_resolver(host: str, port: int) -> Sequence[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_target(url: str, allow: AllowList, resolver: Resolver = system_resolver) -> PinnedUrl:
    """The pinned target for ``url``; :class:`Refused` unless https to an allowed host,
    :class:`DeliveryError` when the host name does not resolve."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise Refused(f"only https callback URLs are delivered, not {parts.scheme or url!r}")
    host = parts.hostname
    if not host:
        raise Refused(f"callback URL {url!r} names no host")
    try:
        port = parts.port or 443
    except ValueError as exc:
        raise Refused(f"callback URL {url!r}: {exc}") from exc
    if _address(host) is not None:
        addresses: Sequence[str] = [host]
    else:
        try:
            addresses = resolver(host, port)
        except OSError as exc:
            raise DeliveryError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise DeliveryError(f"cannot resolve {host}")
    denied = [a for a in addresses if not allow.allows_address(a)]
    if denied and not allow.allows_name(host):
        raise Refused(
            f"host {host} ({', '.join(denied)}) is not allowed for callbacks; "
            "allow it with --callback-allow"
        )
    # Every address, allowed names included: a listed name that resolves to a private or
    # metadata address is refused like the address itself would be.
    for address in addresses:
        problem = allow.address_problem(address, port)
        if problem:
            raise Refused(f"host {host}: {address} {problem}; it is not called back")
    return PinnedUrl(url, host, port, tuple(addresses))


def backoff(retry: int, base: float) -> float:
    """The wait before retry number ``retry`` (1-based): ``base``, ``2*base``, ``4*base``, …"""
    return float(base * 2 ** (retry - 1))


# --- when: schedulers ------------------------------------------------------------------------

Job = Callable[[], None]


class Scheduler(Protocol):
    def call_later(self, delay: float, job: Job) -> bool:
        """Run ``job`` after ``delay`` seconds; False when it cannot be accepted."""
        ...

    def stop(self) -> None: ...


class ThreadScheduler:
    """Daemon worker threads (started on first use) sharing one bounded timer heap."""

    def __init__(
        self,
        workers: int = 4,
        capacity: int = 1000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workers = workers
        self.capacity = capacity
        self._monotonic = monotonic
        self._heap: list[tuple[float, int, Job]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._stopped = False

    def call_later(self, delay: float, job: Job) -> bool:
        with self._cond:
            if self._stopped or len(self._heap) >= self.capacity:
                return False
            heapq.heappush(self._heap, (self._monotonic() + delay, next(self._seq), job))
            if not self._threads:
                for n in range(self.workers):
                    thread = threading.Thread(target=self._work, name=f"mock-egress-{n}")
                    thread.daemon = True
                    thread.start()
                    self._threads.append(thread)
            self._cond.notify()
            return True

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def _next(self) -> Job | None:
        with self._cond:
            while not self._stopped:
                if self._heap:
                    wait = self._heap[0][0] - self._monotonic()
                    if wait <= 0:
                        return heapq.heappop(self._heap)[2]
                    self._cond.wait(wait)
                else:
                    self._cond.wait()
            return None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            try:
                job()
            except Exception:
                log.exception("background job failed")

    def stop(self, timeout: float = 5.0) -> None:
        """Drop pending jobs and join the workers (a job under way finishes first)."""
        with self._cond:
            self._stopped = True
            self._heap.clear()
            self._cond.notify_all()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)


# --- how: the HTTP sender --------------------------------------------------------------------

Send = Callable[[PinnedUrl, str, Any], int]


class HttpxSender:
    """POSTs JSON with httpx: TLS verified (system CAs plus ``ca_file``), no proxies from the
    environment, no redirects, no kept-alive connections, connected to the checked addresses."""

    def __init__(self, timeout: float, ca_file: Path | None = None) -> None:
        context = ssl.create_default_context(cafile=certifi.where())
        if ca_file is not None:
            context.load_verify_locations(cafile=str(ca_file))
        self._client = httpx.Client(
            verify=context,
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"user-agent": "partner-contracts-mock"},
        )

    def __call__(self, target: PinnedUrl, method: str, body: Any) -> int:
        # DNS rebinding: the name is never resolved again. httpx lets the URL carry the checked
        # IP while the Host header and the TLS server name (``sni_hostname``, which is also the
        # name the certificate is verified against) stay the URL's host; so the connection goes
        # to an address check_target passed, or nowhere.
        url = httpx.URL(target.url)
        payload = json.dumps(body).encode()
        headers = {"host": url.netloc.decode("ascii"), "content-type": "application/json"}
        failure: Exception | None = None
        for address in target.addresses:
            try:
                response = self._client.request(
                    method,
                    url.copy_with(host=address),
                    content=payload,
                    headers=headers,
                    extensions={"sni_hostname": target.host},
                )
            except httpx.ConnectError as exc:  # try the next checked address
                failure = exc
                continue
            except httpx.HTTPError as exc:
                raise DeliveryError(_describe(exc)) from exc
            return response.status_code
        raise DeliveryError(_describe(failure) if failure else "no address to connect to")

    def close(self) -> None:
        self._client.close()


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# --- the dispatcher --------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One callback to make. ``render`` builds the body from the processing time (epoch s)."""

    api: str
    operation: str
    callback: str
    method: str
    url: str
    outcome: str
    render: Callable[[float], Any]
    credential: str | None = None  # whose delivery it is (partners see only their own)


class Dispatcher:
    def __init__(
        self,
        *,
        allow: AllowList,
        delay: float,
        backoff_base: float,
        retries: int,
        scheduler: Scheduler,
        send: Send,
        clock: Callable[[], float],
        journal: Journal,
        journal_body_bytes: int = 2048,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.allow = allow
        self.delay = delay
        self.backoff_base = backoff_base
        self.retries = retries
        self.scheduler = scheduler
        self.send = send
        self.clock = clock
        self.resolver = resolver
        self.journal = journal
        self.journal_body_bytes = journal_body_bytes
        self._ids = itertools.count(1)

    def submit(self, delivery: Delivery) -> None:
        """Process ``delivery`` in the background: first attempt after ``delay``."""
        number = next(self._ids)
        job = functools.partial(self._attempt, number, delivery, 1, self._generation(), None)
        if not self.scheduler.call_later(self.delay, job):
            self._record(number, delivery, 1, None, self.clock(), DROPPED, error="queue full")

    def _attempt(
        self, number: int, delivery: Delivery, attempt: int, generation: int | None, body: Any
    ) -> None:
        if self._stale(generation):  # reset since it was scheduled (by any worker)
            return
        now = self.clock()
        if body is None:
            body = delivery.render(now)
        status: int | None = None
        error: str | None = None
        try:
            target = check_target(delivery.url, self.allow, self.resolver)
            status = self.send(target, delivery.method, body)
        except Refused as exc:
            self._record(number, delivery, attempt, body, now, REFUSED, error=str(exc))
            return
        except DeliveryError as exc:
            error = str(exc)
        record = functools.partial(
            self._record, number, delivery, attempt, body, now, status=status
        )
        if status is not None and 200 <= status < 300:
            record(DELIVERED)
            return
        if status is not None:
            error = f"receiver answered {status}"
        if attempt > self.retries:
            record(GAVE_UP, error=error)
            return
        wait = backoff(attempt, self.backoff_base)
        record(RETRYING, error=error, retry=now + wait)
        job = functools.partial(self._attempt, number, delivery, attempt + 1, generation, body)
        if not self.scheduler.call_later(wait, job):
            record(DROPPED, error="callback queue full")

    def _record(
        self,
        number: int,
        delivery: Delivery,
        attempt: int,
        body: Any,
        when: float,
        state: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry: float | None = None,
    ) -> None:
        self.journal.record(
            {
                "delivery": number,
                "api": delivery.api,
                "credential": delivery.credential,
                "operation": delivery.operation,
                "callback": delivery.callback,
                "method": delivery.method,
                "target": mask_text(delivery.url),  # user-info masked, as in the request journal
                "time": when,
                "attempt": attempt,
                "outcome": delivery.outcome,
                "state": state,
                "status": status,
                "error": None if error is None else mask_text(error),
                "next_retry_at": retry,
                "body": None
                if body is None
                else redact_body(json.dumps(body).encode(), self.journal_body_bytes),
            }
        )

    def reset(self) -> None:
        """Forget the journal and abandon every delivery not yet made, in every worker: the
        callback journal's generation (shared with the journal) moves on."""
        self.journal.clear()

    def _generation(self) -> int | None:
        try:
            return self.journal.generation()
        except Rejection:  # the shared store is away: not known
            return None

    def _stale(self, generation: int | None) -> bool:
        """Whether a reset came since ``generation``; unknown (the store away then or now)
        counts as no reset, so a delivery goes on as scheduled rather than vanishing."""
        now = self._generation()
        return generation is not None and now is not None and now != generation

    def stop(self) -> None:
        self.scheduler.stop()

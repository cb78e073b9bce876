"""uvicorn's HTTP protocol with the two guards uvicorn lacks: a header-read deadline and a
header-size backstop that holds under httptools too.

Why a subclass (no library or uvicorn setting serves): uvicorn's ``timeout_keep_alive`` covers
only the idle time after an answer and is cancelled by the first byte of the next request, so a
connection that never sends a byte, or trickles its headers, is held forever (uvicorn issue
#157 lists a header timeout; ASGI middleware runs only once headers are complete, too late).
h11 bounds a header block (``max_incomplete_event_size``, set from ``--max-header-bytes``),
httptools has no bound uvicorn lets us set, and neither answers in a partner's envelope. So
here, for either implementation, overriding only the asyncio ``Protocol`` methods and the
response-complete hook both share:

* from a connection's start, and from the end of each answer, the next request's headers must
  arrive within ``header_timeout`` (an idle connection after an answer is closed sooner, by
  uvicorn's keep-alive timeout);
* a header block over ``hard_bytes`` (a multiple of ``--max-header-bytes``: the front door gives
  the envelope 431 for anything between the two) is answered with a generic JSON 431 and closed,
  never buffered further.

Under httptools, a third: its parser knows a fixed list of method names and answers any other
(``BREW``) with uvicorn's plain-text 400, where h11 passes the name on and the front door gives
the partner's enveloped 405 with ``Allow``. When httptools refuses a request whose first bytes
are a method token and a space, and no answer is in flight, the connection is handed to the
h11 protocol (same settings, same guards) with the bytes received so far: the app then sees the
request as under ``--http h11`` (the partner's 405, or the generic JSON answer outside every
API), journaled alike, and the connection goes on under h11. No library or uvicorn setting lets
httptools accept other names (llhttp's method table is compiled in); re-reading the request
ourselves would duplicate h11. Anything else httptools refuses keeps uvicorn's 400.

The settings ride on the uvicorn ``Config`` (attribute ``mock_guard``), which uvicorn hands to
each protocol it makes and pickles to ``--workers`` processes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mock_server.core.wire import FRAMING_ERROR

log = logging.getLogger("mock_server")

# The front door answers header sections between --max-header-bytes and this multiple of it in
# the partner's envelope; beyond it, the protocol refuses before buffering more.
HARD_FACTOR = 4
HARD_FLOOR = 65_536


@dataclass(frozen=True)
class Guard:
    header_timeout: float = 10.0
    hard_bytes: int = HARD_FLOOR
    # single-process mode: a note (sizes only) for the journal of a refusal made here
    note: Callable[[dict[str, Any]], None] | None = None

    @classmethod
    def for_limits(
        cls,
        max_header_bytes: int,
        header_timeout: float,
        note: Callable[[dict[str, Any]], None] | None = None,
    ) -> Guard:
        return cls(header_timeout, max(HARD_FLOOR, HARD_FACTOR * max_header_bytes), note)

    def __reduce__(self) -> Any:  # the journal hook stays in the parent process
        return (Guard, (self.header_timeout, self.hard_bytes, None))


def response(status: int, reason: str, body: dict[str, Any]) -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + payload


class _Guarded:
    """Mixed in before uvicorn's protocol class; names only attributes both classes have
    (``config``, ``transport``, ``cycle``, ``loop``, ``client``, ``on_response_complete``)."""

    config: Any
    transport: asyncio.Transport
    cycle: Any
    loop: asyncio.AbstractEventLoop
    client: tuple[str, int] | None

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)  # type: ignore[call-arg]
        self.guard: Guard = getattr(config, "mock_guard", None) or Guard()
        self._header_timer: asyncio.TimerHandle | None = None
        self._pending = 0  # bytes of the next request's header section seen so far
        self._handed_off = False  # the transport now belongs to another protocol

    def _reading_headers(self) -> bool:
        """Between requests: the last one answered and its whole body read (an early answer,
        e.g. a 401 before a large body is in, leaves body bytes to come: not header bytes)."""
        cycle = self.cycle
        return cycle is None or (bool(cycle.response_complete) and not cycle.more_body)

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.guard.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        if self._handed_off:
            return
        if self.transport.is_closing():
            self._disarm()
            return
        if not self._reading_headers():  # headers complete: the body has its own deadline
            self._pending = 0
            self._disarm()
            return
        self._pending += len(data)
        self._arm()
        if self._pending > self.guard.hard_bytes:
            self._refuse_oversize()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._pending = 0  # the next request's headers: uvicorn's keep-alive timer runs first

    def _refuse(self, status: int, reason: str, message: str, note: dict[str, Any] | None) -> None:
        """Answer ``status`` in generic JSON and close; ``note`` (outcome, headers, reasons) goes
        to the journal as an entry of no API, since no request reached the app."""
        if note is not None and self.guard.note is not None:
            empty = dict.fromkeys(("api", "operation", "credential", "method", "path"))
            self.guard.note({**empty, "status": status, **note})
        self.transport.write(response(status, reason, {"message": message}))
        self.transport.close()
        self._disarm()

    def _refuse_oversize(self) -> None:
        size, limit = self._pending, self.guard.hard_bytes
        log.warning("refused a request whose header section passed %d bytes", size)
        note = {
            "outcome": "headers_too_large",
            "headers": {"note": f"not kept: over {size} bytes of header section"},
            "reasons": [f"header section over {limit} bytes"],
        }
        message = f"Request header fields too large (over {limit} bytes)."
        self._refuse(431, "Request Header Fields Too Large", message, note)

    def send_400_response(self, msg: str) -> None:
        """What the parser cannot read (a bad chunk size, two Content-Length headers) is
        answered in JSON like the other answers given before any partner is known (uvicorn
        writes plain text), and the connection closes, as uvicorn closes it."""
        if self.transport.is_closing():
            return
        log.info("refused a request the HTTP parser could not read: %s", msg)
        scope = getattr(self, "scope", None)
        note: dict[str, Any] | None = None
        if self.cycle is not None and not self.cycle.response_complete and scope is not None:
            scope[FRAMING_ERROR] = msg  # the app has it: the front door journals the 400
        else:  # before any request began: noted as the 431 is
            note = {
                "outcome": "bad_framing",
                "headers": {"note": "not kept: the request could not be read"},
                "reasons": [msg],
            }
        self._refuse(400, "Bad Request", msg, note)

    def _expired(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or not self._reading_headers():
            return
        if self._pending:  # a request began and stalled: say so before closing
            wait = self.guard.header_timeout
            body = {"message": f"Request headers not received within {wait} s."}
            self.transport.write(response(408, "Request Timeout", body))
        self.transport.close()


# A method token (RFC 9110: tchar) and the space after it, at the start of a request.
_METHOD_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64} ")


class GuardedHttpTools(_Guarded, HttpToolsProtocol):
    _chunk = b""

    def data_received(self, data: bytes) -> None:
        self._chunk = data  # what the parser refuses, if it refuses: handed on whole
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to anything httptools refuses; an unknown method goes to h11."""
        if not self._hand_to_h11():
            super().send_400_response(msg)

    def _hand_to_h11(self) -> bool:
        data = self._chunk
        if self._handed_off or not self._reading_headers() or not _METHOD_TOKEN.match(data):
            return False
        log.info("method %r unknown to httptools: connection handed to h11", data.split()[0])
        self._handed_off = True
        self._disarm()
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        self.connections.discard(self)  # the successor adds itself
        successor = GuardedH11(self.config, self.server_state, self.app_state, self.loop)
        self.transport.set_protocol(successor)
        successor.connection_made(self.transport)
        successor.data_received(data)
        return True


class GuardedH11(_Guarded, H11Protocol):
    pass


def protocol_class(http: str = "auto") -> type[asyncio.Protocol]:
    """``h11``, ``httptools``, or ``auto``: httptools when installed (uvicorn's own choice)."""
    if http == "h11":
        return GuardedH11
    if http == "auto":
        try:
            import httptools  # noqa: F401
        except ImportError:  # pragma: no cover - uvicorn[standard] brings httptools
            return GuardedH11
    return GuardedHttpTools

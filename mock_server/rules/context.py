"""The per-request record shared by the front door, the gate, the handler and error handlers.

The front door puts one :class:`RequestContext` in ``scope["extensions"]["mock"]``; connexion
copies scopes shallowly, so every layer sees the same object.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.rules.auth import ANONYMOUS, Principal
from mock_server.state import journal

KEY = "mock"
UNPARSED = journal.UNPARSED  # parsed_body before request validation has parsed a JSON body


@dataclass
class RequestContext:
    api: str | None = None
    operation: str | None = None
    principal: Principal = ANONYMOUS
    reasons: list[str] = field(default_factory=list)
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)  # its first journal.PARSE_BYTES
    body_size: int = 0  # every byte received
    # how the exchange ended, as journaled: answered, disconnect (the client left before its body
    # was in), body_timeout (408), headers_too_large (431)
    outcome: str = "answered"
    framing: str | None = None  # the HTTP parser's reason, when it refused the body mid-way
    headers_note: str | None = None  # kept instead of the headers when they were over the limit
    parsed_body: Any = UNPARSED  # the JSON body as validation parsed it, for the handler
    # path and query parameters as validation's URI parser read them, for the handler
    uri_params: tuple[Mapping[str, Any], Mapping[str, Any]] | None = None


def of(scope: MutableMapping[str, Any]) -> RequestContext:
    extensions = scope.setdefault("extensions", {})
    ctx = extensions.get(KEY)
    if ctx is None:
        ctx = extensions[KEY] = RequestContext()
    return ctx  # type: ignore[no-any-return]


def client_identity(scope: MutableMapping[str, Any]) -> str:
    """Who a caller is when no credential says: its address (rate limits per client)."""
    client = scope.get("client") or ("unknown", 0)
    return f"client:{client[0]}"

"""The outermost ASGI layer: admin routes, the payload limit, response headers, the journal.

It sits in front of the connexion app (either kind) so that it sees every request and every
answer, including connexion's own refusals.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.asgi import admin
from mock_server.asgi.errors import respond
from mock_server.checks.ratelimit import rate_limit_headers
from mock_server.core.problems import Rejection
from mock_server.core.wire import FRAMING_ERROR, send_json
from mock_server.outbound import callbacks
from mock_server.rules import context
from mock_server.rules.api import Api
from mock_server.rules.auth import ANONYMOUS
from mock_server.rules.context import client_identity
from mock_server.state.journal import PARSE_BYTES, redact_body, redact_headers, redact_query
from mock_server.world.runtime import Runtime

ADMIN = "/__mock"


class FrontDoor:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.admin_routes = {
            ("GET", "/health"): self._health,
            ("GET", "/requests"): self._requests,
            ("POST", "/reset"): self._reset,
            ("GET", "/apis"): self._apis,
            ("GET", "/callbacks"): self._callbacks,
        }
        self.secret_headers = frozenset().union(*(a.secret_headers for a in runtime.apis))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        started = time.perf_counter()
        ctx = context.of(scope)
        config = self.runtime.config
        ctx.headers_note = header_excess(scope, config.max_header_bytes, config.max_headers)
        if (path == ADMIN or path.startswith(ADMIN + "/")) and ctx.headers_note is None:
            await self._admin(scope, send)
            return
        api = self.runtime.api_for_path(path)
        ctx.api = api.name if api else None
        limit = api.profile.max_body_bytes if api else None
        status = 0
        received = 0
        limit_body = PARSE_BYTES  # kept for the journal, which redacts and cuts it
        deadline = asyncio.get_running_loop().time() + config.body_timeout
        body_done = False

        async def receive_counted() -> Message:
            nonlocal received, body_done
            if body_done:  # the body is in: what follows (a disconnect) may take any time
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                ctx.outcome = "body_timeout"
                raise Rejection("request_timeout") from None
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if len(ctx.body) <= limit_body:
                    ctx.body.extend(chunk[: limit_body + 1 - len(ctx.body)])
                received += len(chunk)
                ctx.body_size = received
                body_done = not message.get("more_body", False)
                if limit is not None and received > limit:
                    raise Rejection("payload_too_large")
            elif message["type"] == "http.disconnect":
                ctx.outcome = "disconnect"  # before its body was in: nobody to answer
                if FRAMING_ERROR in scope:  # no: the parser refused the body and answered 400
                    ctx.outcome, ctx.framing = "bad_framing", str(scope[FRAMING_ERROR])
            return message

        async def send_tracked(message: Message) -> None:
            nonlocal status
            if ctx.outcome in ("disconnect", "bad_framing"):  # the answer has no reader
                return
            if message["type"] == "http.response.start":
                status = message["status"]
                if api is not None and api.profile.rate_limit_headers and not ctx.response_headers:
                    ctx.response_headers.update(self._rate_headers(api, scope))
                extra = [(k.lower().encode(), v.encode()) for k, v in ctx.response_headers.items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        refusal: Rejection | None = None
        if ctx.headers_note is not None:
            ctx.outcome = "headers_too_large"
            refusal = Rejection("headers_too_large")
        elif limit is not None and declared.isdigit() and int(declared) > limit:
            refusal = Rejection("payload_too_large")
        elif not declared and "chunked" in headers.get("transfer-encoding", "").lower():
            # Connexion reads a request without Content-Length as bodiless, so a chunked body
            # is read here (counted, so the partner's size limit holds), then handed on with
            # its length, like any other body.
            try:
                scope, receive_app = await _with_length(scope, receive_counted)
            except Rejection as exc:
                refusal = exc
        else:
            receive_app = receive_counted
        if refusal is not None:
            response = respond(self.runtime, scope, refusal)
            await send_json(
                send_tracked, response.status_code, response.body, response.headers or {}
            )
        else:
            await self.app(scope, receive_app, send_tracked)
        self._journal(scope, ctx, status, time.perf_counter() - started)

    def _rate_headers(self, api: Api, scope: Scope) -> dict[str, str]:
        """The profile's rate-limit headers for an answer the gate never saw (unknown path,
        wrong method, oversize body). Such a request counts against its client's budget, as a
        refused caller's does at the gate; no operation-specific limit applies to it."""
        try:
            decision = self.runtime.limiter.take(api.name, "", client_identity(scope))
        except Rejection:  # the shared store is away: the answer goes out without the headers
            return {}
        if decision is None:
            return {}
        return rate_limit_headers(api.profile.rate_limit_headers, decision, self.runtime.clock())

    def _journal(
        self, scope: Scope, ctx: context.RequestContext, status: int, elapsed: float
    ) -> None:
        self.runtime.journal.record(
            {
                "time": self.runtime.clock(),
                "api": ctx.api,
                "operation": ctx.operation,
                # whose entry it is: partners see only their own (admin.py)
                "credential": None if ctx.principal is ANONYMOUS else ctx.principal.credential,
                "method": scope["method"],
                "path": scope["path"],
                "query": redact_query(
                    scope.get("query_string", b"").decode("latin-1"), self.secret_headers
                ),
                "headers": {"note": ctx.headers_note}
                if ctx.headers_note
                else redact_headers(
                    ((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]),
                    self.secret_headers,
                ),
                "body": redact_body(
                    bytes(ctx.body),
                    self.runtime.config.journal_body_bytes,
                    ctx.body_size,
                    ctx.parsed_body,
                )
                if ctx.body
                else None,
                "status": {"disconnect": None, "bad_framing": 400}.get(ctx.outcome, status),
                "outcome": ctx.outcome,
                "reasons": [ctx.framing]
                if ctx.framing is not None
                else ctx.reasons
                if ctx.outcome != "disconnect"
                else [f"the client closed the connection after {ctx.body_size} body bytes"],
                "duration_ms": round(elapsed * 1000, 3),
            }
        )

    async def _admin(self, scope: Scope, send: Send) -> None:
        relative = scope["path"][len(ADMIN) :] or "/"
        route = self.admin_routes.get((scope["method"], relative))
        allow = sorted(m for m, p in self.admin_routes if p == relative)
        if route is None and allow:
            await send_json(
                send,
                405,
                {
                    "message": "method not allowed; use "
                    + ", ".join(f"{m} {ADMIN}{relative}" for m in allow)
                },
                {"Allow": ", ".join(allow)},
            )
            return
        if route is None:
            await send_json(
                send,
                404,
                {
                    "message": "unknown mock admin route",
                    "routes": sorted(f"{m} {ADMIN}{p}" for m, p in self.admin_routes),
                },
                {},
            )
            return
        query = QueryParams(scope.get("query_string", b""))
        viewer = admin.viewer_of(self.runtime, relative, Headers(scope=scope), query)
        if viewer is None:
            await send_json(
                send,
                401,
                {"message": "admin routes need the admin token or one of your API credentials"},
                {"WWW-Authenticate": 'Bearer realm="mock admin"'},
            )
            return
        api_names = sorted(a.name for a in self.runtime.apis)
        if "api" in query and query["api"] not in api_names:
            body = {"message": f"api={query['api']!r} is not a mounted API", "allowed": api_names}
            await send_json(send, 400, body, {})
            return
        try:
            status, body = route(query, viewer)
        except Rejection as exc:  # the shared store (Redis) is unreachable
            status, body = 503, {"message": "the mock's shared store is unavailable; retry"}
            await send_json(send, status, body, dict(exc.headers))
            return
        await send_json(send, status, body, {})

    def _health(self, query: QueryParams, viewer: admin.Viewer) -> tuple[int, Any]:
        apis = [a.name for a in self.runtime.apis]
        try:  # one read of the journal: in shared state, a round trip to the store
            self.runtime.journal.query(None, None, 1)
        except Rejection:  # the shared store is away: every API answers 503 until it is back
            return 503, {"status": "unavailable", "reason": "the shared store", "apis": apis}
        return 200, {"status": "ok", "apis": apis}

    def _requests(self, query: QueryParams, viewer: admin.Viewer) -> tuple[int, Any]:
        status = query.get("status")
        limit = query.get("limit", "100")
        if (status and not status.isdigit()) or not limit.isdigit():
            return 400, {"message": "status and limit must be whole numbers (0 or more)"}
        entries = self.runtime.journal.query(
            query.get("api"),
            int(status) if status else None,
            int(limit) if viewer.is_admin else 1 << 30,  # filtered below, then cut
        )
        return 200, {"entries": admin.visible(viewer, entries)[: int(limit)]}

    def _reset(self, query: QueryParams, viewer: admin.Viewer) -> tuple[int, Any]:
        if viewer.is_admin:
            self.runtime.reset()
        else:
            self.runtime.store.clear_where(viewer.owns_namespace)
        return 200, {"reset": True}

    def _callbacks(self, query: QueryParams, viewer: admin.Viewer) -> tuple[int, Any]:
        return callbacks.journal_route(self.runtime.callbacks, query, viewer.sees)

    def _apis(self, query: QueryParams, viewer: admin.Viewer) -> tuple[int, Any]:
        return 200, {
            "apis": [
                {"name": a.name, "title": a.profile.title, "base_path": a.base_path or "/"}
                for a in self.runtime.apis
            ]
        }


def header_excess(scope: Scope, max_bytes: int, max_count: int) -> str | None:
    """None when the request line and headers are within the limits; else the note the journal
    keeps instead of them (sizes only: a header over the limit is never stored)."""
    headers = scope["headers"]
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
    size += sum(len(k) + len(v) + 4 for k, v in headers)  # "name: value\r\n"
    if size <= max_bytes and len(headers) <= max_count:
        return None
    return (
        f"not kept: {len(headers)} headers, {size} bytes of request line and headers "
        f"(limits: {max_count} headers, {max_bytes} bytes)"
    )


async def _with_length(scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
    """Read a chunked body whole; the scope then carries its Content-Length, and the returned
    channel replays it (then passes on whatever the client sends next, e.g. a disconnect)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"transfer-encoding"]
    headers.append((b"content-length", str(len(body)).encode()))
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return {**scope, "headers": headers}, replay

"""The gate: a connexion middleware placed after routing and before validation.

For a routed operation it checks credentials (profile + spec security), takes a rate-limit
token, and answers a ``Prefer``-forced response without going further. It replaces connexion's
SecurityMiddleware, whose refusals cannot carry a partner's statuses and messages.
"""

from __future__ import annotations

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.checks.ratelimit import rate_limit_headers
from mock_server.core.problems import Rejection
from mock_server.core.wire import send_json
from mock_server.rules import context
from mock_server.rules.api import Api
from mock_server.rules.auth import ANONYMOUS, Request
from mock_server.rules.context import client_identity
from mock_server.rules.selection import parse_preference, select
from mock_server.world.runtime import Runtime

ROUTING = "connexion_routing"
NO_QUERY = QueryParams()  # immutable: one for every request without a query string


class Gate:
    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = scope.get("extensions", {}).get(ROUTING, {})
        api = self.runtime.api_by_base(routing.get("api_base_path"))
        op_id = routing.get("operation_id")
        if scope["type"] != "http" or api is None or op_id not in api.operations:
            await self.app(scope, receive, send)
            return
        operation = api.operations[op_id]
        ctx = context.of(scope)
        ctx.api, ctx.operation = api.name, op_id
        headers = Headers(scope=scope)
        raw_query = scope.get("query_string", b"")
        query = QueryParams(raw_query) if raw_query else NO_QUERY
        try:
            ctx.principal = api.authenticator.authenticate(
                operation.security,
                operation.required_scopes,
                Request(headers, query, self.runtime.clock()),
            )
        except Rejection:
            # A refused caller still spends from (and is told) a budget: its client address's.
            self._limit(api, op_id, client_identity(scope), ctx)
            raise
        anonymous = ctx.principal is ANONYMOUS
        self._limit(
            api, op_id, client_identity(scope) if anonymous else ctx.principal.credential, ctx
        )
        preference = parse_preference(headers.get("prefer"), query)
        if preference is not None:
            selected = select(operation, preference)
            remaining = api.profile.rate_limit_headers.get("remaining")
            if selected.status == 429 and remaining in ctx.response_headers:
                ctx.response_headers[remaining] = "0"  # a forced 429 is spent, as a real one
            extra = {
                name: str(value)
                for name, value in selected.response.headers.items()
                if value is not None and name not in ctx.response_headers
            }
            await send_json(send, selected.status, selected.body, extra)
            return
        scope.setdefault("extensions", {}).setdefault("connexion_context", {})[context.KEY] = ctx
        await self.app(scope, receive, send)

    def _limit(self, api: Api, op_id: str, identity: str, ctx: context.RequestContext) -> None:
        """Take a rate-limit token; set the profile's rate-limit headers; refuse when spent."""
        decision = self.runtime.limiter.take(api.name, op_id, identity)
        if decision is None:
            return
        names = api.profile.rate_limit_headers
        ctx.response_headers.update(rate_limit_headers(names, decision, self.runtime.clock()))
        if not decision.allowed:
            retry = str(max(1, decision.reset_after))
            raise Rejection(
                "rate_limited", headers={"Retry-After": retry}, params={"retry_after": retry}
            )

"""The innermost layer under the ``async`` app kind: from the routed operation to the answer.

Connexion's routing middleware has already matched the request and put the API's base path and
the ``operationId`` in the ASGI scope; this layer looks the operation up by them (connexion's
public ``RoutedMiddleware`` base does the lookup), gives the state action its arguments and
sends the answer. It stands in for connexion's AsyncApp handler layer, which rebuilt its
decorators per request, parsed the JSON body a second time and routed unmatched requests again.

Arguments are connexion's own: request validation's URI parser (``uri_parser_class``) has read
the path and query parameters and parsed the JSON body, both kept on the request context and
not read again here; ``get_arguments`` applies the spec's defaults and types, so a handler sees
what it saw under connexion's decorators. Form bodies are read here, as connexion reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connexion.decorators.parameter import get_arguments, sanitized
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.abstract import RoutedAPI, RoutedMiddleware
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.core.wire import dumps_json, send_body
from mock_server.rules import context
from mock_server.world import behaviours
from mock_server.world.runtime import Runtime

JSON = "application/json"
OCTET = "application/octet-stream"  # connexion's media type of a request that names none


class _Operation:
    """One operation, everything that does not depend on the request worked out once."""

    def __init__(self, spec_operation: Any, runtime: Runtime, base_path: str) -> None:
        self.spec_operation = spec_operation
        self.uri_parser = spec_operation.uri_parser_class(
            spec_operation.parameters, spec_operation.body_definition()
        )
        api = runtime.api_by_base(base_path)
        if api is None:  # every mounted spec is one of the runtime's APIs (app.py)
            raise LookupError(f"no API is mounted at {base_path!r}")
        op_id = spec_operation.operation_id
        self.runtime, self.api = runtime, api
        self.operation = api.operations[op_id]
        self.state = api.profile.state.get(op_id, {})
        self.produces: list[str] = sorted(set(spec_operation.produces))
        # No requestBody: connexion's argument builder takes nothing from the body, files or
        # media type, so with the parameters parsed by validation no request object is needed.
        self.bodiless = not spec_operation.is_request_body_defined

    def content_type(self, data: Any) -> str | None:
        """The answer's media type, as connexion's response decorator infers it."""
        if len(self.produces) == 1:
            return self.produces[0]
        if not self.produces:
            return JSON if data is not None else None
        if isinstance(data, str):
            return next((c for c in self.produces if "text/plain" in c), JSON)
        return JSON if JSON in self.produces else self.produces[0]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = context.of(scope)
        if self.bodiless and ctx.uri_params is not None:
            path_params, query_params = ctx.uri_params
            await self._answer(send, ctx, path_params, query_params, None, {}, OCTET)
            return
        request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
        mimetype = request.mimetype  # application/octet-stream when none is sent, as connexion
        files: Mapping[str, Any] = {}
        if mimetype in FORM_CONTENT_TYPES:
            body = await request.form()
            files = await request.files()
        elif ctx.parsed_body is not context.UNPARSED:
            body = ctx.parsed_body  # parsed (and validated) by request validation
        else:
            body = await request.get_body() if self.spec_operation.is_request_body_defined else None
        path_params, query_params = ctx.uri_params or (request.path_params, request.query_params)
        await self._answer(send, ctx, path_params, query_params, body, files, mimetype)

    async def _answer(
        self,
        send: Send,
        ctx: context.RequestContext,
        path_params: Mapping[str, Any],
        query_params: Mapping[str, Any],
        body: Any,
        files: Mapping[str, Any],
        mimetype: str,
    ) -> None:
        params = get_arguments(
            self.spec_operation,
            path_params=path_params,
            query_params=query_params,
            body=body,
            files=files,
            arguments=[],
            has_kwargs=True,
            sanitize=sanitized,
            content_type=mimetype,
        )
        call = behaviours.Call(
            self.runtime, self.api, self.operation, ctx.principal, params, self.state
        )
        data, status = behaviours.run(call)
        media_type = self.content_type(data)
        if data is None:
            payload = b""
        elif isinstance(data, bytes):
            payload = data
        elif media_type is not None and "json" in media_type:
            payload = dumps_json(data) + b"\n"  # as connexion's Jsonifier ends it
        else:
            payload = str(data).encode()
        await send_body(send, status, payload, media_type)


class _Api(RoutedAPI[_Operation]):  # type: ignore[misc]
    def __init__(self, *args: Any, runtime: Runtime, **kwargs: Any) -> None:
        self.runtime = runtime
        super().__init__(*args, **kwargs)
        self.add_paths()

    def make_operation(self, operation: Any) -> _Operation:
        return _Operation(operation, self.runtime, self.base_path)


class Dispatcher(RoutedMiddleware[_Api]):  # type: ignore[misc]
    """Connexion middleware: the routed operation's answer; ``app`` answers the rest."""

    api_cls = _Api

    def __init__(self, app: ASGIApp, *, runtime: Runtime) -> None:
        super().__init__(app)
        self.runtime = runtime

    def add_api(self, specification: Any, **kwargs: Any) -> _Api:
        api = _Api(specification, next_app=self.app, runtime=self.runtime, **kwargs)
        self.apis[api.base_path].append(api)
        return api


def unrouted(runtime: Runtime) -> ASGIApp:
    """The app under the dispatcher: a request no operation matched is a 404, or a 405 where
    the spec documents the path with other methods (error handlers render both)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope.get("path", "")
        api = runtime.api_for_path(path)
        allowed = api.allowed_methods(path) if api is not None else ()
        if allowed and scope.get("method") not in allowed:
            raise HTTPException(405, headers={"Allow": ", ".join(allowed)})
        raise HTTPException(404)

    return app

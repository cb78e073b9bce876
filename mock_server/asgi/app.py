"""Build the mock: one connexion app serving every API, wrapped by the front door.

Thin adapter code: everything partner-specific comes from the runtime (specs + profiles).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

import connexion
from connexion.decorators.parameter import sanitized
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.resolver import Resolver
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.asgi import dispatch, errors
from mock_server.asgi.frontdoor import FrontDoor
from mock_server.asgi.gate import Gate
from mock_server.asgi.requestcheck import CachedRequestValidation
from mock_server.checks.validation import validator_map
from mock_server.rules import context, profilecheck
from mock_server.rules.api import Api
from mock_server.world import behaviours
from mock_server.world.runtime import Runtime

DOCS_UI = "/ui"  # connexion's defaults (SwaggerUIOptions)
DOCS_SPEC = "/openapi.json"


def _handler(runtime: Runtime, api: Api, operation_id: str) -> Callable[..., Any]:
    """The operation's handler under FlaskApp, called by connexion's decorators. (Under the
    async kind, connexion still resolves it, but dispatch.py answers instead.)"""
    operation = api.operations[operation_id]
    state_entry = api.profile.state.get(operation_id, {})

    def handle(**params: Any) -> behaviours.Result:
        ctx = connexion.context.context[context.KEY]
        call = behaviours.Call(runtime, api, operation, ctx.principal, params, state_entry)
        return behaviours.run(call)

    return handle


class _Resolver(Resolver):  # type: ignore[misc]
    def __init__(self, runtime: Runtime, api: Api) -> None:
        super().__init__()
        self._make = functools.partial(_handler, runtime, api)

    def resolve_function_from_operation_id(self, operation_id: str) -> Callable[..., Any]:
        return self._make(operation_id)


def _docs(runtime: Runtime) -> ASGIApp:
    """Each API's Swagger UI (``<base>/ui/``) and spec (``<base>/openapi.json``), served by
    connexion's SwaggerUI middleware in an app of their own, so that API requests never pass
    its router. Anything else under those paths is a 404 in the envelope."""
    docs = ConnexionMiddleware(
        dispatch.unrouted(runtime),
        import_name=__name__,
        middlewares=[ServerErrorMiddleware, ExceptionMiddleware, SwaggerUIMiddleware],
    )
    for api in runtime.apis:
        docs.add_api(api.spec, base_path=api.base_path, name=api.name)
    errors.install(docs, runtime)
    return cast(ASGIApp, docs)


def _split(runtime: Runtime, app: ASGIApp, docs: ASGIApp) -> ASGIApp:
    """Requests for an API's docs go to ``docs``, every other one to ``app``."""
    prefixes = tuple(f"{a.base_path}{DOCS_UI}" for a in runtime.apis)
    specs = frozenset(f"{a.base_path}{DOCS_SPEC}" for a in runtime.apis)

    async def split(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        is_docs = scope["type"] == "http" and (path in specs or path.startswith(prefixes))
        await (docs if is_docs else app)(scope, receive, send)

    return split


def build_app(runtime: Runtime) -> FrontDoor:
    """The ASGI application: front door → docs or connexion (our dispatcher, or FlaskApp)."""
    kind = runtime.config.app_kind
    head = [
        ServerErrorMiddleware,
        ExceptionMiddleware,
        RoutingMiddleware,
        functools.partial(Gate, runtime=runtime),
        CachedRequestValidation,  # connexion's, per-operation objects built once
        LifespanMiddleware,
    ]
    app: Any
    if kind == "flask":
        app = connexion.FlaskApp(
            __name__, middlewares=[*head, ContextMiddleware], validator_map=validator_map()
        )
    else:
        # Connexion's routing, validation and error handling around a handler layer of our own
        # (dispatch.py) keyed by the operation connexion routed to.
        app = ConnexionMiddleware(
            dispatch.unrouted(runtime),
            import_name=__name__,
            middlewares=[*head, functools.partial(dispatch.Dispatcher, runtime=runtime)],
            validator_map=validator_map(),
        )
    for api in runtime.apis:
        # the names connexion's argument builder gives the handler (dispatch.py: sanitized)
        arguments = {
            op_id: {sanitized(name) for name in op.parameters}
            for op_id, op in api.operations.items()
        }
        profilecheck.require(api.profile, api.operations, behaviours.PARAMETERS, arguments)
        app.add_api(
            api.spec,
            base_path=api.base_path,
            resolver=_Resolver(runtime, api),
            name=api.name,
        )
    errors.install(app, runtime)
    return FrontDoor(_split(runtime, app, _docs(runtime)), runtime)

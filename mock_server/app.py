"""Build the mock: one connexion app serving every API, wrapped by the front door.

Thin adapter code: everything partner-specific comes from the runtime (specs + profiles).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import connexion
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.resolver import Resolver

from . import behaviours, context, errors, profilecheck
from .api import Api
from .connexion_once import OnceDecoratedAsyncApp
from .frontdoor import FrontDoor
from .gate import Gate
from .runtime import Runtime
from .validation import validator_map


def _handler(runtime: Runtime, api: Api, operation_id: str, kind: str) -> Callable[..., Any]:
    operation = api.operations[operation_id]
    state_entry = api.profile.state.get(operation_id, {})

    def handle(**params: Any) -> behaviours.Result:
        ctx = connexion.context.context[context.KEY]
        call = behaviours.Call(runtime, api, operation, ctx.principal, params, state_entry)
        return behaviours.run(call)

    if kind == "flask":
        return handle

    # Under AsyncApp a plain function would be sent to a thread pool; the work is short and
    # never blocks, so it runs on the event loop instead.
    async def handle_async(**params: Any) -> behaviours.Result:
        return handle(**params)

    return handle_async


class _Resolver(Resolver):  # type: ignore[misc]
    def __init__(self, runtime: Runtime, api: Api, kind: str) -> None:
        super().__init__()
        self._make = functools.partial(_handler, runtime, api, kind=kind)

    def resolve_function_from_operation_id(self, operation_id: str) -> Callable[..., Any]:
        return self._make(operation_id)


def build_app(runtime: Runtime) -> FrontDoor:
    """The ASGI application: front door → connexion (AsyncApp or FlaskApp)."""
    kind = runtime.config.app_kind
    middlewares = [
        ServerErrorMiddleware,
        ExceptionMiddleware,
        SwaggerUIMiddleware,
        RoutingMiddleware,
        functools.partial(Gate, runtime=runtime),
        RequestValidationMiddleware,
        LifespanMiddleware,
        ContextMiddleware,
    ]
    cls = connexion.FlaskApp if kind == "flask" else OnceDecoratedAsyncApp
    app = cls(__name__, middlewares=middlewares, validator_map=validator_map())
    for api in runtime.apis:
        profilecheck.require(api.profile, api.operations, behaviours.PARAMETERS)
        app.add_api(
            api.spec,
            base_path=api.base_path,
            resolver=_Resolver(runtime, api, kind),
            name=api.name,
        )
    errors.install(app, runtime)
    return FrontDoor(app, runtime)

"""Build the mock: one connexion app serving every API, wrapped by the front door.

Thin adapter code: everything partner-specific comes from the runtime (specs + profiles).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import connexion
from connexion.apps.abstract import AbstractApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.decorators import StarletteDecorator
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.resolver import Resolver

from . import behaviours, context, errors, profilecheck
from .frontdoor import FrontDoor
from .gate import Gate
from .runtime import Api, Runtime
from .validation import validator_map


def _handler(runtime: Runtime, api: Api, operation_id: str, kind: str) -> Callable[..., Any]:
    operation = api.operations[operation_id]
    spec = api.profile.state.get(operation_id, {})

    def handle(**params: Any) -> behaviours.Result:
        ctx = connexion.context.context[context.KEY]
        call = behaviours.Call(runtime, api, operation, ctx.principal, params, spec)
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


class _OnceDecoratedOperation(AsyncOperation):  # type: ignore[misc]
    """An AsyncApp operation that builds its handler chain once.

    Connexion 3.3's ``AsyncOperation`` makes a new decorator, re-decorates the handler (with an
    ``inspect.signature``) and rebuilds the URI parser on every request: about half of what a
    valid request costs in-process. None of that depends on the request, which the decorated
    handler reads from the request object it is given, so it is built on first use and kept.
    """

    _chain: tuple[Any, Any, Any] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        if self._chain is None:
            decorator = StarletteDecorator(
                pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
            )
            # uri_parser reads the current operation from connexion's context: this request's.
            self._chain = (decorator, decorator.decorate(self._fn), decorator.uri_parser)
        decorator, decorated, uri_parser = self._chain
        request = decorator.framework.get_request(
            uri_parser=uri_parser, scope=scope, receive=receive
        )
        response = await decorated(request)
        return await response(scope, receive, send)


class _OnceDecoratedApi(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: Any) -> _OnceDecoratedOperation:
        built: _OnceDecoratedOperation = _OnceDecoratedOperation.from_operation(
            operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier
        )
        return built


class _OnceDecoratedASGIApp(AsyncASGIApp):  # type: ignore[misc]
    api_cls = _OnceDecoratedApi


class _AsyncApp(connexion.AsyncApp):  # type: ignore[misc]
    """``connexion.AsyncApp`` whose operations build their handler chain once (see above)."""

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        self._middleware_app = _OnceDecoratedASGIApp()
        AbstractApp.__init__(self, import_name, **kwargs)


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
    cls = connexion.FlaskApp if kind == "flask" else _AsyncApp
    app = cls(__name__, middlewares=middlewares, validator_map=validator_map())
    for api in runtime.apis:
        profilecheck.require(api.profile, api.operations, behaviours.PARAMETERS)
        app.add_api(
            api.doc,
            base_path=api.base_path,
            resolver=_Resolver(runtime, api, kind),
            name=api.name,
        )
    errors.install(app, runtime)
    return FrontDoor(app, runtime)

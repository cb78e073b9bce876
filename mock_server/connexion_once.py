"""A fenced workaround: connexion's AsyncApp with each operation's handler chain built once.

It subclasses connexion internals (``AsyncOperation``, ``AsyncApi``, ``AsyncASGIApp``,
``AbstractApp.__init__``, the ``_middleware_app`` and ``_fn`` attributes), which are not public
API and may change in any release. So it refuses to load on a connexion version it was not
checked against (``CHECKED``): a new connexion fails loudly here, at import, instead of silently
rebuilding the chain per request or breaking in the middle of one. tests/test_connexion_once.py
names the behaviour it preserves. To move connexion on: run that test and the behaviour suite
on the new version, then add it to ``CHECKED``.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import connexion
from connexion.apps.abstract import AbstractApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.decorators import StarletteDecorator

CHECKED = ("3.3.",)  # connexion versions (prefixes) this module was verified against
CONNEXION_VERSION = version("connexion")
if not CONNEXION_VERSION.startswith(CHECKED):
    raise ImportError(
        f"mock_server.connexion_once was verified against connexion {', '.join(CHECKED)}x, "
        f"not {CONNEXION_VERSION}: re-check the private names it relies on (see its docstring)"
    )


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


class OnceDecoratedAsyncApp(connexion.AsyncApp):  # type: ignore[misc]
    """``connexion.AsyncApp`` whose operations build their handler chain once (see above)."""

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        self._middleware_app = _OnceDecoratedASGIApp()
        AbstractApp.__init__(self, import_name, **kwargs)

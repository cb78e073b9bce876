"""Connexion error handlers: every refusal and every failure leaves in the partner's envelope.

Registered for our :class:`Rejection`, connexion's problems, Starlette's HTTP exceptions
(unknown path or method) and any other exception (a 500 in the envelope; the traceback goes to
the log, never to the client). All are ``async`` so connexion does not hop to a thread pool.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from mock_server.core.problems import Rejection
from mock_server.core.profile import DEFAULT_STATUS, SITUATION_BY_STATUS
from mock_server.core.wire import dumps_json
from mock_server.rules import context
from mock_server.rules.render import render_rejection
from mock_server.world.runtime import Runtime

log = logging.getLogger("mock_server")


UNMOUNTED = "No partner API is mounted at this path."
# Answers for a path no partner API owns (no envelope to fill): the message; the status is the
# situation's default (profile.DEFAULT_STATUS); any other situation is a 400.
GENERIC = {
    "not_found": UNMOUNTED,
    "headers_too_large": "Request header fields too large.",
    "request_timeout": "The request body was not received in time.",
}


def as_rejection(exc: Exception) -> Rejection:
    """Any exception, as the situation it amounts to."""
    if isinstance(exc, Rejection):
        return exc
    if isinstance(exc, ProblemException | HTTPException):
        status = exc.status if isinstance(exc, ProblemException) else exc.status_code
        situation = SITUATION_BY_STATUS.get(status, "internal")
        headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
        return Rejection(situation, headers=headers, params={"detail": str(exc.detail)})
    return Rejection("internal")


def respond(runtime: Runtime, scope: MutableMapping[str, Any], exc: Exception) -> ConnexionResponse:
    rejection = as_rejection(exc)
    ctx = context.of(scope)
    if (
        rejection.situation == "internal"
        and not isinstance(exc, Rejection | HTTPException | ProblemException)
        and ctx.outcome != "disconnect"  # the client left mid-body: journaled as such, no error
    ):
        log.error("unhandled error on %s %s", scope.get("method"), scope.get("path"), exc_info=exc)
    api = runtime.api_for_path(scope.get("path", ""))
    if api is None:
        situation = rejection.situation
        status = DEFAULT_STATUS[situation] if situation in GENERIC else 400
        message = GENERIC.get(situation, UNMOUNTED)
        body: Any = {
            "message": message,
            "apis": [f"{a.base_path}/" for a in runtime.apis],
        }
        ctx.reasons = [body["message"]]
        return ConnexionResponse(
            status_code=status, body=dumps_json(body), content_type="application/json"
        )
    if rejection.situation == "method_not_allowed":
        # Starlette lists only the first matching route's methods; the spec knows them all.
        rejection.headers["Allow"] = ", ".join(api.allowed_methods(scope.get("path", "")))
    trace_id = uuid.uuid4().hex
    timestamp = datetime.fromtimestamp(runtime.clock(), UTC).isoformat()
    rendered = render_rejection(api.profile, rejection, trace_id, timestamp, ctx.operation)
    ctx.api = ctx.api or api.name
    ctx.reasons = list(rendered.reasons)
    return ConnexionResponse(
        status_code=rendered.status,
        body=dumps_json(rendered.body),
        headers=dict(rendered.headers),
        content_type="application/json",
    )


def install(app: Any, runtime: Runtime) -> None:
    """Register the handlers on a connexion app (either kind)."""

    async def handle(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        return respond(runtime, request.scope, exc)

    for kind in (Rejection, ProblemException, HTTPException, Exception):
        app.add_error_handler(kind, handle)

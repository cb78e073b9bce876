"""Connexion's request validation middleware, with what it builds per operation built once.

Connexion's ``RequestValidationOperation`` builds, on every request, a URI parser, a parameter
validator, a media-type dict (to check the Content-Type against ``consumes``), and looks the
body schema, the body validator class and the body's nullability up again through
``fnmatch``-based media-type matching. None of that depends on the request beyond its media
type, so here it is built once per operation (the media-type answers once per media type seen,
up to a bound, so that clients sending arbitrary Content-Types cannot grow memory). The
validators themselves are ours (checks/validation.py via ``validator_map``); the order of the
checks and every answer are connexion's. A body validator is still made per request: the
form validators keep per-request state on the instance.

Written over connexion's public middleware pieces (``RequestValidationMiddleware``,
``RequestValidationAPI``, ``RequestValidationOperation``): connexion offers no option to cache
them, and no other library does this for connexion.
"""

from __future__ import annotations

import logging
from typing import Any

from connexion import utils
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import UnsupportedMediaTypeProblem
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from starlette.types import Receive, Scope, Send

logger = logging.getLogger("connexion.middleware.validation")

MEDIA_TYPES_REMEMBERED = 16  # per operation; further media types are worked out per request


class _BodyPlan:
    """What validating a body of one media type needs, bar the request itself."""

    __slots__ = ("nullable", "schema", "supported", "validator_cls")

    def __init__(self, supported: bool, schema: Any, validator_cls: Any, nullable: bool) -> None:
        self.supported, self.schema = supported, schema
        self.validator_cls, self.nullable = validator_cls, nullable


class CachedValidationOperation(RequestValidationOperation):  # type: ignore[misc]
    """``RequestValidationOperation`` with its per-operation objects built once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operation = self._operation
        self._uri_parser = operation.uri_parser_class(
            operation.parameters, operation.body_definition()
        )
        self._parameter_validator = self._validator_map["parameter"](
            operation.parameters,
            uri_parser=self._uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )
        self._consumes = (
            MediaTypeDict([(c.lower(), None) for c in operation.consumes])
            if operation.consumes
            else None
        )
        self._required = operation.request_body.get("required", False)
        self._plans: dict[str, _BodyPlan] = {}
        # no requestBody at all: connexion's media-type and body steps find
        # nothing to check whatever the Content-Type, so they are not taken (most GETs)
        self._bodiless = self._consumes is None and not operation.request_body

    def _plan(self, mime_type: str) -> _BodyPlan:
        plan = self._plans.get(mime_type)
        if plan is not None:
            return plan
        operation = self._operation
        supported = self._consumes is None or mime_type.lower() in self._consumes
        schema = operation.body_schema(mime_type) if supported else None
        validator_cls = None
        if schema:
            try:
                validator_cls = self._validator_map["body"][mime_type]
            except KeyError:
                validator_cls = None
        nullable = bool(schema) and utils.is_nullable(operation.body_definition(mime_type))
        plan = _BodyPlan(supported, schema, validator_cls, nullable)
        if len(self._plans) < MEDIA_TYPES_REMEMBERED:
            self._plans[mime_type] = plan
        return plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._parameter_validator.validate(scope)
        if self._bodiless:
            await self.next_app(scope, receive, send)
            return
        if _body_without_type(scope["headers"]):
            # Connexion takes the first documented type as a "best guess"; the partners' servers
            # do not read a body that names no type, and every doc example names one.
            raise UnsupportedMediaTypeProblem(
                detail=f"No Content-type, expected {self._operation.consumes}"
            )
        mime_type, encoding = self.extract_content_type(scope["headers"])
        plan = self._plan(mime_type)
        if not plan.supported:
            raise UnsupportedMediaTypeProblem(
                detail=f"Invalid Content-type ({mime_type}), expected {self._operation.consumes}"
            )
        if plan.schema:
            if plan.validator_cls is None:
                logger.info(
                    "Skipping validation. No validator registered for content type: %s.",
                    mime_type,
                )
            else:
                validator = plan.validator_cls(
                    schema=plan.schema,
                    required=self._required,
                    nullable=plan.nullable,
                    encoding=encoding,
                    strict_validation=self.strict_validation,
                    uri_parser=self._uri_parser,
                )
                receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


def _body_without_type(headers: list[tuple[bytes, bytes]]) -> bool:
    """A body is sent (a length above 0, or chunked) and no Content-Type (or an empty one)."""
    typed = sized = False
    for name, value in headers:
        if name == b"content-type":
            typed = bool(value.strip())
        elif name == b"transfer-encoding":
            sized = True
        elif name == b"content-length":
            sized = value.strip() not in (b"", b"0")
    return sized and not typed


class _CachedValidationAPI(RequestValidationAPI):  # type: ignore[misc]
    def make_operation(self, operation: Any) -> CachedValidationOperation:
        return CachedValidationOperation(
            self.next_app,
            operation=operation,
            strict_validation=self.strict_validation,
            validator_map=self.validator_map,
        )


class CachedRequestValidation(RequestValidationMiddleware):  # type: ignore[misc]
    """Connexion's request validation middleware, per-operation objects built once."""

    api_cls = _CachedValidationAPI

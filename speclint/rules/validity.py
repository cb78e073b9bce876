"""Rule 1: the document is valid OpenAPI 3.0 (openapi-spec-validator)."""

from __future__ import annotations

from collections.abc import Iterator

from jsonschema.exceptions import ValidationError, best_match
from openapi_spec_validator import OpenAPIV30SpecValidator
from openapi_spec_validator.schemas import schema_v30
from openapi_spec_validator.schemas.backend.jsonschema import create_validator
from referencing.exceptions import Unresolvable

from speclint.model import Finding, SpecContext, ptr
from speclint.registry import spec_rule
from speclint.schema import describe


class PythonBackendValidator(OpenAPIV30SpecValidator):
    """The 3.0 validator on the pure-Python jsonschema backend.

    Its errors carry ``context`` and exact paths, so ``best_match`` can name the real fault
    (the jsonschema-rs backend only reports "not valid under any of the given schemas").
    """

    schema_validator = create_validator(schema_v30)


def _structural(spec: SpecContext, validator: PythonBackendValidator) -> Iterator[Finding]:
    for error in validator.schema_validator.iter_errors(spec.doc):
        best = best_match([error]) or error
        yield spec.finding(ptr("", *best.absolute_path), f"invalid OpenAPI 3.0: {describe(best)}")


def _semantic(spec: SpecContext, validator: PythonBackendValidator) -> Iterator[Finding]:
    # The keyword validators' errors (duplicate operationId in the file, unresolved path
    # parameter, bad schema default, ...) carry no document path; their messages name the place.
    error: ValidationError
    try:
        for error in validator.root_validator(validator.schema_path):
            yield spec.finding("", f"invalid OpenAPI 3.0: {error.message}")
    except Unresolvable:
        yield spec.finding("", "semantic OpenAPI checks stopped at a $ref that does not resolve")


@spec_rule
def openapi_valid(spec: SpecContext) -> Iterator[Finding]:
    """Valid OpenAPI 3.0.x according to openapi-spec-validator."""
    version = spec.doc.get("openapi")
    if not (isinstance(version, str) and version.startswith("3.0.")):
        yield spec.finding("/openapi", f"openapi must be 3.0.x (connexion 3), got {version!r}")
        return
    validator = PythonBackendValidator(spec.doc)
    structural = list(_structural(spec, validator))
    yield from structural
    if not structural:  # the semantic pass assumes a well-formed document
        yield from _semantic(spec, validator)

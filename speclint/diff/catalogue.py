"""The change rules: oasdiff's ids and levels (its ``checker/rules.go``), plus a few house rules.

Each entry is ``id: (level, meaning)``. Ids that oasdiff also has keep oasdiff's level, so a
report reads the same as oasdiff's; house rules (marked) are never ``error``.
"""

from __future__ import annotations

ERROR, WARNING, INFO = "error", "warning", "info"

RULES: dict[str, tuple[str, str]] = {
    # paths and operations
    "api-path-removed-without-deprecation": (ERROR, "a path was removed without deprecation"),
    "api-path-removed-with-deprecation": (INFO, "a deprecated path was removed"),
    "api-removed-without-deprecation": (ERROR, "an operation was removed without deprecation"),
    "api-removed-with-deprecation": (INFO, "a deprecated operation was removed"),
    "endpoint-added": (INFO, "an operation was added"),
    "endpoint-deprecated": (INFO, "an operation was deprecated"),
    "endpoint-reactivated": (INFO, "an operation is no longer deprecated"),
    "api-operation-id-removed": (INFO, "an operationId was removed or changed"),
    "api-operation-id-added": (INFO, "an operationId was added"),
    "api-tag-removed": (INFO, "a tag was removed from an operation"),
    "api-tag-added": (INFO, "a tag was added to an operation"),
    "api-schema-removed": (INFO, "a component schema was removed"),
    # security
    "api-security-removed": (ERROR, "an operation's security requirement was removed"),
    "api-security-added": (INFO, "an operation's security requirement was added"),
    "api-security-scope-added": (ERROR, "a scope was added to an operation's requirement"),
    "api-security-scope-removed": (INFO, "a scope was removed from an operation's requirement"),
    "api-global-security-removed": (ERROR, "a global security requirement was removed"),
    "api-global-security-added": (INFO, "a global security requirement was added"),
    "api-global-security-scope-added": (ERROR, "a scope was added to a global requirement"),
    "api-global-security-scope-removed": (INFO, "a scope was removed from a global requirement"),
    "api-security-component-added": (INFO, "a security scheme was added"),
    "api-security-component-removed": (INFO, "a security scheme was removed"),
    "api-security-component-type-changed": (INFO, "a security scheme's type changed"),
    # parameters
    "new-required-request-parameter": (ERROR, "a required parameter was added"),
    "new-optional-request-parameter": (INFO, "an optional parameter was added"),
    "new-request-path-parameter": (ERROR, "a path parameter was added"),
    "request-parameter-removed": (WARNING, "a parameter was removed"),
    "request-parameter-removed-with-deprecation": (INFO, "a deprecated parameter was removed"),
    "request-parameter-became-required": (ERROR, "a parameter became required"),
    "request-parameter-became-optional": (INFO, "a parameter became optional"),
    "request-parameter-deprecated": (INFO, "a parameter was deprecated"),
    "request-parameter-reactivated": (INFO, "a parameter is no longer deprecated"),
    "request-parameter-type-changed": (ERROR, "a parameter's type or format changed"),
    "request-parameter-type-generalized": (INFO, "a parameter's type was widened"),
    "request-parameter-property-type-changed": (WARNING, "a parameter property's type changed"),
    "request-parameter-property-type-generalized": (INFO, "a parameter property was widened"),
    "request-parameter-became-enum": (ERROR, "a parameter became an enum"),
    "request-parameter-enum-value-added": (INFO, "a parameter enum value was added"),
    "request-parameter-enum-value-removed": (ERROR, "a parameter enum value was removed"),
    "request-parameter-became-nullable": (INFO, "a parameter became nullable"),
    "request-parameter-became-not-nullable": (ERROR, "a parameter is no longer nullable"),
    "request-parameter-default-value-changed": (INFO, "a parameter's default changed"),
    "request-parameter-default-value-added": (INFO, "a parameter got a default"),
    "request-parameter-default-value-removed": (INFO, "a parameter lost its default"),
    "request-parameter-max-items-increased": (INFO, "a parameter's maxItems increased"),
    "request-parameter-max-items-decreased": (ERROR, "a parameter's maxItems decreased"),
    "request-parameter-max-length-set": (ERROR, "a parameter got a maxLength"),
    "request-parameter-max-length-increased": (INFO, "a parameter's maxLength increased"),
    "request-parameter-max-length-decreased": (ERROR, "a parameter's maxLength decreased"),
    "request-parameter-max-set": (ERROR, "a parameter got a maximum"),
    "request-parameter-max-increased": (INFO, "a parameter's maximum increased"),
    "request-parameter-max-decreased": (ERROR, "a parameter's maximum decreased"),
    "request-parameter-exclusive-max-set": (ERROR, "a parameter's maximum became exclusive"),
    "request-parameter-min-items-set": (ERROR, "a parameter got a minItems"),
    "request-parameter-min-items-increased": (ERROR, "a parameter's minItems increased"),
    "request-parameter-min-items-decreased": (INFO, "a parameter's minItems decreased"),
    "request-parameter-min-length-increased": (ERROR, "a parameter's minLength increased"),
    "request-parameter-min-length-decreased": (INFO, "a parameter's minLength decreased"),
    "request-parameter-min-set": (ERROR, "a parameter got a minimum"),
    "request-parameter-min-increased": (ERROR, "a parameter's minimum increased"),
    "request-parameter-min-decreased": (INFO, "a parameter's minimum decreased"),
    "request-parameter-exclusive-min-set": (ERROR, "a parameter's minimum became exclusive"),
    "request-parameter-pattern-added": (ERROR, "a parameter got a pattern"),
    "request-parameter-pattern-removed": (INFO, "a parameter's pattern was removed"),
    "request-parameter-pattern-changed": (WARNING, "a parameter's pattern changed"),
    # request body
    "added-required-request-body": (ERROR, "a required request body was added"),
    "added-optional-request-body": (INFO, "an optional request body was added"),
    "request-body-removed": (ERROR, "the request body was removed"),
    "request-body-became-required": (ERROR, "the request body became required"),
    "request-body-became-optional": (INFO, "the request body became optional"),
    "request-body-media-type-added": (INFO, "a request media type was added"),
    "request-body-media-type-removed": (ERROR, "a request media type was removed"),
    "request-body-media-type-schema-added": (ERROR, "a request media type got a schema"),
    "request-body-media-type-schema-removed": (INFO, "a request media type lost its schema"),
}


def _schema_rules(prefix: str, request: bool) -> dict[str, tuple[str, str]]:
    """The schema-level rules of one scope; ``request`` flips which direction breaks."""
    tighten, loosen = (ERROR, INFO) if request else (INFO, ERROR)
    what = prefix.replace("-", " ")
    rules = {
        f"{prefix}-type-changed": (ERROR, f"{what}: type or format changed"),
        f"{prefix}-type-generalized": (loosen, f"{what}: type or format widened"),
        f"{prefix}-became-enum": (tighten, f"{what}: became an enum"),
        f"{prefix}-enum-value-added": (INFO if request else WARNING, f"{what}: enum value added"),
        f"{prefix}-enum-value-removed": (tighten, f"{what}: enum value removed"),
        f"{prefix}-max-set": (tighten, f"{what}: maximum set"),
        f"{prefix}-max-increased": (loosen, f"{what}: maximum increased"),
        f"{prefix}-max-decreased": (tighten, f"{what}: maximum decreased"),
        f"{prefix}-exclusive-max-set": (tighten, f"{what}: maximum became exclusive"),
        f"{prefix}-min-set": (tighten, f"{what}: minimum set"),
        f"{prefix}-min-increased": (tighten, f"{what}: minimum increased"),
        f"{prefix}-min-decreased": (loosen, f"{what}: minimum decreased"),
        f"{prefix}-exclusive-min-set": (tighten, f"{what}: minimum became exclusive"),
        f"{prefix}-max-length-set": (tighten, f"{what}: maxLength set"),
        f"{prefix}-max-length-unset": (loosen, f"{what}: maxLength removed"),
        f"{prefix}-max-length-increased": (loosen, f"{what}: maxLength increased"),
        f"{prefix}-max-length-decreased": (tighten, f"{what}: maxLength decreased"),
        f"{prefix}-min-length-increased": (tighten, f"{what}: minLength increased"),
        f"{prefix}-min-length-decreased": (loosen, f"{what}: minLength decreased"),
        f"{prefix}-max-items-set": (tighten, f"{what}: maxItems set"),
        f"{prefix}-max-items-increased": (loosen, f"{what}: maxItems increased"),
        f"{prefix}-max-items-decreased": (tighten, f"{what}: maxItems decreased"),
        f"{prefix}-min-items-set": (tighten, f"{what}: minItems set"),
        f"{prefix}-min-items-increased": (tighten, f"{what}: minItems increased"),
        f"{prefix}-min-items-decreased": (loosen, f"{what}: minItems decreased"),
        f"{prefix}-min-items-unset": (loosen, f"{what}: minItems removed"),
        f"{prefix}-pattern-added": (tighten, f"{what}: pattern added"),
        f"{prefix}-pattern-removed": (loosen, f"{what}: pattern removed"),
        f"{prefix}-pattern-changed": (WARNING, f"{what}: pattern changed"),
        f"{prefix}-all-of-added": (tighten, f"{what}: allOf subschema added"),
        f"{prefix}-all-of-removed": (loosen, f"{what}: allOf subschema removed"),
        f"{prefix}-any-of-added": (loosen, f"{what}: anyOf subschema added"),
        f"{prefix}-any-of-removed": (tighten, f"{what}: anyOf subschema removed"),
        f"{prefix}-one-of-added": (loosen, f"{what}: oneOf subschema added"),
        f"{prefix}-one-of-removed": (tighten, f"{what}: oneOf subschema removed"),
        f"{prefix}-discriminator-added": (INFO, f"{what}: discriminator added"),
        f"{prefix}-discriminator-removed": (INFO, f"{what}: discriminator removed"),
        f"{prefix}-discriminator-property-name-changed": (INFO, f"{what}: discriminator renamed"),
        f"{prefix}-discriminator-mapping-added": (INFO, f"{what}: discriminator mapping added"),
        f"{prefix}-discriminator-mapping-deleted": (INFO, f"{what}: discriminator mapping removed"),
        f"{prefix}-discriminator-mapping-changed": (INFO, f"{what}: discriminator mapping changed"),
        f"{prefix}-default-value-added": (INFO, f"{what}: default added"),
        f"{prefix}-default-value-removed": (INFO, f"{what}: default removed"),
        f"{prefix}-default-value-changed": (INFO, f"{what}: default changed"),
        # house rules (oasdiff has none for additionalProperties): never `error`
        f"{prefix}-additional-properties-narrowed": (
            WARNING if request else INFO,
            f"{what}: additionalProperties narrowed (house rule)",
        ),
        f"{prefix}-additional-properties-widened": (
            INFO if request else WARNING,
            f"{what}: additionalProperties widened (house rule)",
        ),
    }
    if request:
        rules[f"{prefix}-became-not-nullable"] = (ERROR, f"{what}: no longer nullable")
        rules[f"{prefix}-became-nullable"] = (INFO, f"{what}: became nullable")
    else:
        rules[f"{prefix}-became-nullable"] = (ERROR, f"{what}: became nullable")
        rules[f"{prefix}-became-not-nullable"] = (INFO, f"{what}: no longer nullable")
    return rules


for _prefix, _request in (
    ("request-body", True),
    ("request-property", True),
    ("response-body", False),
    ("response-property", False),
):
    for _id, _rule in _schema_rules(_prefix, _request).items():
        RULES.setdefault(_id, _rule)

RULES.update(
    {
        # request properties
        "new-required-request-property": (ERROR, "a required request property was added"),
        "new-optional-request-property": (INFO, "an optional request property was added"),
        "request-property-removed": (WARNING, "a request property was removed"),
        "request-property-became-required": (ERROR, "a request property became required"),
        "request-property-became-optional": (INFO, "a request property became optional"),
        "request-optional-property-became-read-only": (INFO, "optional request property read-only"),
        "request-optional-property-became-non-read-only": (INFO, "request property not read-only"),
        "request-optional-property-became-write-only": (INFO, "request property became write-only"),
        "request-optional-property-became-non-write-only": (
            INFO,
            "request property not write-only",
        ),
        "request-required-property-became-read-only": (INFO, "required request property read-only"),
        "request-required-property-became-non-read-only": (INFO, "required property not read-only"),
        "request-required-property-became-write-only": (
            INFO,
            "required property became write-only",
        ),
        "request-required-property-became-non-write-only": (
            INFO,
            "required property not write-only",
        ),
        # response properties
        "response-required-property-removed": (ERROR, "a required response property was removed"),
        "response-optional-property-removed": (INFO, "an optional response property was removed"),
        "response-required-property-added": (INFO, "a required response property was added"),
        "response-optional-property-added": (INFO, "an optional response property was added"),
        "response-property-became-optional": (ERROR, "a response property became optional"),
        "response-property-became-required": (INFO, "a response property became required"),
        "response-optional-property-became-read-only": (INFO, "response property became read-only"),
        "response-optional-property-became-non-read-only": (
            INFO,
            "response property not read-only",
        ),
        "response-optional-property-became-write-only": (
            INFO,
            "response property became write-only",
        ),
        "response-optional-property-became-non-write-only": (INFO, "property not write-only"),
        "response-required-property-became-read-only": (INFO, "required property became read-only"),
        "response-required-property-became-non-read-only": (
            INFO,
            "required property not read-only",
        ),
        "response-required-property-became-write-only": (
            INFO,
            "required property became write-only",
        ),
        "response-required-property-became-non-write-only": (
            WARNING,
            "a required response property is no longer write-only",
        ),
        # responses
        "response-success-status-removed": (ERROR, "a success status code was removed"),
        "response-success-status-added": (INFO, "a success status code was added"),
        "response-non-success-status-removed": (INFO, "an error status code was removed"),
        "response-non-success-status-added": (INFO, "an error status code was added"),
        "response-media-type-removed": (ERROR, "a response media type was removed"),
        "response-media-type-added": (INFO, "a response media type was added"),
        "response-body-media-type-schema-added": (INFO, "a response media type got a schema"),
        "response-body-media-type-schema-removed": (ERROR, "a response media type lost its schema"),
        # response headers
        "required-response-header-removed": (ERROR, "a required response header was removed"),
        "optional-response-header-removed": (WARNING, "an optional response header was removed"),
        "response-header-added": (INFO, "a response header was added"),
        "response-header-became-optional": (ERROR, "a response header became optional"),
        "response-header-type-changed": (ERROR, "a response header's type changed"),
        "response-header-type-generalized": (ERROR, "a response header's type was widened"),
        "response-header-type-specialized": (INFO, "a response header's type was narrowed"),
        "response-header-became-nullable": (ERROR, "a response header became nullable"),
        "response-header-became-not-nullable": (INFO, "a response header is no longer nullable"),
        "response-property-type-specialized": (INFO, "a response property's type was narrowed"),
        "response-body-type-specialized": (INFO, "the response body's type was narrowed"),
    }
)


def level(rule_id: str) -> str:
    """The rule's level; unknown ids (none should exist) count as warnings."""
    return RULES.get(rule_id, (WARNING, ""))[0]

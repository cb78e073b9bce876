"""The clean minimal spec passes; each broken copy is rejected at the right place."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from speclint import Finding

Spec = dict[str, Any]
LintSpecs = Callable[..., list[Finding]]

FILE = "specs/widgets.yaml"
CREATE = "/paths/~1v1~1widgets/post"
STATUS = "/paths/~1v1~1status/get"
BODY_EXAMPLE = CREATE + "/requestBody/content/application~1json/examples/basic"


def assert_finding(findings: list[Finding], file: str, pointer: str, fragment: str) -> None:
    """Some finding sits at ``file#pointer`` and says ``fragment``; its text names the place."""
    hits = [f for f in findings if f.file == file and f.pointer == pointer]
    assert any(fragment in f.message for f in hits), "\n".join(map(str, findings))
    assert any(str(f).startswith(f"{file}#{pointer}: ") for f in hits)


def test_minimal_spec_is_clean(spec: Spec, lint_specs: LintSpecs) -> None:
    assert [str(f) for f in lint_specs(spec)] == []


def test_invalid_example(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["paths"]["/v1/widgets"]["post"]["requestBody"]["content"]["application/json"]["examples"][
        "basic"
    ]["value"]["name"] = 7
    assert_finding(lint_specs(spec), FILE, BODY_EXAMPLE + "/value/name", "is not of type 'string'")


@pytest.mark.parametrize(
    ("field", "bad", "says"),
    [
        ("owner_email", "not-an-email", "is not a 'email'"),
        ("homepage", "not a uri", "is not a 'uri'"),
        ("starts_at", "2024-01-01", "is not a 'date-time'"),
        ("ends_at", "2023-12-31T00:00:00Z", "is not later than 'starts_at'"),
        ("parts", [{"sku": "A1"}, {"sku": "A1"}], "share /sku"),
    ],
)
def test_example_formats_and_house_keywords(
    spec: Spec, lint_specs: LintSpecs, field: str, bad: Any, says: str
) -> None:
    spec["paths"]["/v1/widgets"]["post"]["requestBody"]["content"]["application/json"]["examples"][
        "basic"
    ]["value"][field] = bad
    findings = lint_specs(spec)
    assert any(
        f.pointer.startswith(BODY_EXAMPLE + "/value") and says in f.message for f in findings
    ), findings


def test_invalid_example_via_component_ref(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["components"]["examples"]["Created"]["value"]["id"] = "not-a-uuid"
    pointer = CREATE + "/responses/201/content/application~1json/examples/created"
    assert_finding(lint_specs(spec), FILE, pointer, "is not a 'uuid'")


def test_invalid_parameter_example(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["components"]["parameters"]["RequestId"]["example"] = "nope"
    assert_finding(
        lint_specs(spec), FILE, "/components/parameters/RequestId/example", "is not a 'uuid'"
    )


def test_error_response_outside_envelope(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["paths"]["/v1/widgets"]["post"]["responses"]["422"] = {
        "description": "Unprocessable",
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"detail": {"type": "string"}}},
                "examples": {"bad": {"summary": "Bad", "value": {"detail": "x"}}},
            }
        },
    }
    assert_finding(
        lint_specs(spec),
        FILE,
        CREATE + "/responses/422",
        "error response schema (application/json) is not #/components/schemas/Error",
    )


def test_duplicate_operation_id_across_files(spec: Spec, lint_specs: LintSpecs) -> None:
    other = {
        **spec,
        "paths": {"/v2/widgets": spec["paths"]["/v1/widgets"]},
    }
    findings = lint_specs(spec, other, names=(FILE, "specs/other.yaml"))
    assert_finding(
        findings,
        FILE,
        CREATE + "/operationId",
        "'createWidget' is also used at specs/other.yaml#/paths/~1v2~1widgets/post",
    )
    assert_finding(
        findings,
        "specs/other.yaml",
        "/paths/~1v2~1widgets/post/operationId",
        f"is also used at {FILE}#{CREATE}",
    )


def test_missing_success_example(spec: Spec, lint_specs: LintSpecs) -> None:
    del spec["paths"]["/v1/status"]["get"]["responses"]["200"]["content"]["application/json"][
        "examples"
    ]
    assert_finding(lint_specs(spec), FILE, STATUS + "/responses", "no 2xx response")


def test_missing_request_example(spec: Spec, lint_specs: LintSpecs) -> None:
    del spec["paths"]["/v1/widgets"]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ]
    assert_finding(lint_specs(spec), FILE, CREATE + "/requestBody", "no named example")


def test_bare_example_on_body(spec: Spec, lint_specs: LintSpecs) -> None:
    media = spec["paths"]["/v1/status"]["get"]["responses"]["200"]["content"]["application/json"]
    media["example"] = {"ok": True}
    pointer = STATUS + "/responses/200/content/application~1json/example"
    assert_finding(lint_specs(spec), FILE, pointer, "bare `example`")


def test_unused_component(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["components"]["schemas"]["Orphan"] = {"type": "object"}
    spec["components"]["schemas"]["OrphanChild"] = {"$ref": "#/components/schemas/Orphan"}
    findings = lint_specs(spec)
    assert_finding(findings, FILE, "/components/schemas/Orphan", "unused component")
    assert_finding(findings, FILE, "/components/schemas/OrphanChild", "unused component")


def test_unused_security_scheme(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["components"]["securitySchemes"]["bearer"] = {"type": "http", "scheme": "bearer"}
    assert_finding(
        lint_specs(spec), FILE, "/components/securitySchemes/bearer", "unused security scheme"
    )


def test_429_without_retry_after(spec: Spec, lint_specs: LintSpecs) -> None:
    del spec["components"]["responses"]["TooManyRequests"]["headers"]
    del spec["components"]["headers"]  # now unused as well
    assert_finding(
        lint_specs(spec),
        FILE,
        "/components/responses/TooManyRequests",
        "429 response does not declare Retry-After",
    )


def test_gap_quote_not_on_cited_line(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["x-doc-gaps"][0]["doc"] = "partner.txt:5"
    assert_finding(lint_specs(spec), FILE, "/x-doc-gaps/0/doc", "does not appear in partner.txt:5")


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        ("partner.txt:7", "has 6 lines"),
        ("missing.txt:1", "is not a readable file"),
        ("partner.txt line 6", "is not '<file>:<line>'"),
    ],
)
def test_gap_citation_problems(spec: Spec, lint_specs: LintSpecs, doc: str, says: str) -> None:
    spec["x-doc-gaps"][0]["doc"] = doc
    assert_finding(lint_specs(spec), FILE, "/x-doc-gaps/0/doc", says)


def test_gap_record_fields(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["x-doc-gaps"][1]["id"] = "WI-01"
    spec["x-doc-gaps"][1]["decision"] = " "
    findings = lint_specs(spec)
    assert_finding(findings, FILE, "/x-doc-gaps/1/id", "duplicate id 'WI-01'")
    assert_finding(findings, FILE, "/x-doc-gaps/1/decision", "non-empty string")


def test_missing_security(spec: Spec, lint_specs: LintSpecs) -> None:
    del spec["paths"]["/v1/widgets"]["post"]["security"]
    assert_finding(lint_specs(spec), FILE, CREATE, "no operation-level security")


def test_public_operation_needs_reason(spec: Spec, lint_specs: LintSpecs) -> None:
    del spec["paths"]["/v1/status"]["get"]["x-public"]
    assert_finding(lint_specs(spec), FILE, STATUS + "/security", "needs x-public")


def test_missing_x_source_and_empty_marker(spec: Spec, lint_specs: LintSpecs) -> None:
    del spec["paths"]["/v1/status"]["get"]["x-source"]
    spec["paths"]["/v1/status"]["get"]["x-provisional"] = ""
    findings = lint_specs(spec)
    assert_finding(findings, FILE, STATUS, "no x-source")
    assert_finding(findings, FILE, STATUS + "/x-provisional", "non-empty string")


def test_openapi_validation_error_has_pointer(spec: Spec, lint_specs: LintSpecs) -> None:
    del spec["paths"]["/v1/status"]["get"]["responses"]["200"]["description"]
    assert_finding(lint_specs(spec), FILE, STATUS + "/responses/200", "invalid OpenAPI 3.0")


def test_unquoted_yaml_scalars(lint_specs: LintSpecs, spec: Spec) -> None:
    responses = spec["paths"]["/v1/status"]["get"]["responses"]
    responses[200] = responses.pop("200")
    value = spec["components"]["examples"]["Created"]["value"]
    value["created_at"] = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    findings = lint_specs(spec)
    assert_finding(findings, FILE, STATUS + "/responses/200", "key 200 is a YAML int; quote it")
    assert_finding(
        findings, FILE, "/components/examples/Created/value/created_at", "YAML timestamp"
    )


def test_malformed_house_keywords(spec: Spec, lint_specs: LintSpecs) -> None:
    schema = spec["components"]["schemas"]["WidgetInput"]
    schema["x-after"] = {"ends_at": "begins_at"}
    schema["properties"]["name"]["x-unique-by"] = "call/id"
    findings = lint_specs(spec)
    base = "/components/schemas/WidgetInput"
    assert_finding(findings, FILE, base + "/x-after", "'begins_at', which is not in properties")
    assert_finding(findings, FILE, base + "/properties/name/x-unique-by", "JSON pointer")
    assert_finding(findings, FILE, base + "/properties/name/x-unique-by", "on an array schema")


def test_malformed_csv_rows_keyword(spec: Spec, lint_specs: LintSpecs) -> None:
    props = spec["components"]["schemas"]["WidgetInput"]["properties"]
    props["name"]["x-csv-rows"] = {"pattern": "^[0-9]+$", "example": "abc"}
    props["extra"] = {"type": "string", "x-csv-rows": {"pattern": "(", "example": "1"}}
    findings = lint_specs(spec)
    base = "/components/schemas/WidgetInput/properties"
    assert_finding(findings, FILE, base + "/name/x-csv-rows", "does not match its pattern")
    assert_finding(findings, FILE, base + "/extra/x-csv-rows", "does not compile")


def test_retry_after_must_be_integer(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["components"]["headers"]["RetryAfter"] = {"schema": {"type": "string"}, "example": "30"}
    pointer = "/components/responses/TooManyRequests/headers/Retry-After"
    assert_finding(lint_specs(spec), FILE, pointer, "not type: integer")


def test_gap_ids_keep_the_first_records_prefix(spec: Spec, lint_specs: LintSpecs) -> None:
    """No table of partners: a spec's prefix is its first record's, and every id follows it."""
    spec["x-doc-gaps"][1]["id"] = "ZT-02"
    assert_finding(lint_specs(spec), FILE, "/x-doc-gaps/1/id", "should start with WI-")


def test_a_bodiless_204_needs_no_example(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["paths"]["/v1/status"]["get"]["responses"] = {"204": {"description": "Nothing to say"}}
    assert [str(f) for f in lint_specs(spec) if "2xx" in f.message] == []


def test_a_200_without_example_is_still_refused(spec: Spec, lint_specs: LintSpecs) -> None:
    spec["paths"]["/v1/status"]["get"]["responses"] = {"200": {"description": "Says nothing"}}
    assert_finding(lint_specs(spec), FILE, STATUS + "/responses", "no 2xx response")


@pytest.mark.parametrize(
    ("link", "where", "says"),
    [
        ({"operationId": "noSuchOperation"}, "/operationId", "no operation has operationId"),
        (
            {"operationId": "createWidget", "parameters": {"widget_id": "$response.body#/id"}},
            "/parameters/widget_id",
            "createWidget takes no parameter 'widget_id' (it takes: X-Request-Id)",
        ),
        (
            {"operationId": "createWidget", "parameters": {"query.X-Request-Id": "x"}},
            "/parameters/query.X-Request-Id",
            "takes no parameter",
        ),
        ({"operationId": "createWidget", "parameters": {"X-Request-Id": "x"}}, None, None),
        ({"operationId": "createWidget", "parameters": {"header.X-Request-Id": "x"}}, None, None),
        ({"operationId": "createWidget", "parameters": {"x-request-id": "x"}}, None, None),
    ],
    ids=[
        "unknown-operation",
        "unknown-parameter",
        "wrong-location",
        "by-name",
        "by-in-and-name",
        "header-any-case",
    ],
)
def test_a_link_names_an_operation_and_parameters_it_takes(
    spec: Spec, lint_specs: LintSpecs, link: dict[str, Any], where: str | None, says: str | None
) -> None:
    """A renamed path parameter left its link behind: stateful fuzzing then follows nothing."""
    spec["paths"]["/v1/widgets"]["post"]["responses"]["201"]["links"] = {"Again": link}
    findings = lint_specs(spec)
    if where is None:
        assert [str(f) for f in findings] == []
    else:
        pointer = CREATE + "/responses/201/links/Again" + where
        assert_finding(findings, FILE, pointer, str(says))


def test_a_link_of_a_shared_response_is_reported_once(spec: Spec, lint_specs: LintSpecs) -> None:
    shared = {"description": "Shared", "links": {"Again": {"operationId": "noSuchOperation"}}}
    spec["components"].setdefault("responses", {})["Shared"] = shared
    spec["paths"]["/v1/widgets"]["post"]["responses"]["202"] = {
        "$ref": "#/components/responses/Shared"
    }
    spec["paths"]["/v1/status"]["get"]["responses"]["202"] = {
        "$ref": "#/components/responses/Shared"
    }
    found = [f for f in lint_specs(spec) if f.rule == "link-targets"]
    assert [f.pointer for f in found] == ["/components/responses/Shared/links/Again/operationId"]

"""A partner test kit built from data alone: a profile, its spec and sandbox credentials.

For any profiled API it gives the headers that get past auth, a valid sample request per
operation (from the spec's own named examples), and an envelope reader (where the profile's error
template puts the message). The conformance suite (tests/test_conformance.py) is written against
this kit only, so a new partner gets the cross-cutting behaviours tested by adding its spec and
profile.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from openapi_schema_validator import OAS30Validator

from mock_server.core.profile import Situation
from mock_server.core.specindex import METHODS, resolve
from mock_server.rules.api import Api

PARTITION_VALUE = "conformance-kit"
ABSENT = "<absent>"  # a key the body does not have


@dataclass(frozen=True)
class Sample:
    """One request the spec documents as valid."""

    operation_id: str
    method: str
    path: str  # the template, e.g. /notes/{note_id}
    url: str  # concrete, under the API's base path
    body: Any | None  # the first named request example, or None
    media_type: str | None
    documented: frozenset[str]  # the statuses the operation documents


def _message_path(template: Any, trail: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    if template == "{message}":
        return trail
    if isinstance(template, Mapping):
        for key, value in template.items():
            found = _message_path(value, (*trail, str(key)))
            if found is not None:
                return found
    return None


def _fixed_parts(
    template: Any, trail: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, literal or placeholder name) for each part of an error template a refusal fixes:
    literals, and the whole-value placeholders ``{message}``, ``{code}``, ``{status}`` and the
    (non-optional) problem lists; per-request values (trace ids, times) are left out."""
    if isinstance(template, Mapping):
        for key, value in template.items():
            yield from _fixed_parts(value, (*trail, str(key)))
    elif isinstance(template, str) and template.startswith("{") and template.endswith("}"):
        name = template[1:-1]
        if name.rstrip("?") in {"message", "code", "status", "problems", "problems_map"}:
            yield trail, name
    else:
        yield trail, ("literal", template)


class Kit:
    def __init__(self, api: Api, credential: Mapping[str, Any] | None = None) -> None:
        self.api = api
        self.profile = api.profile
        self.doc = api.spec
        self.credential = credential if credential is not None else api.credentials[0]
        self._message = _message_path(self.profile.error_template)

    @property
    def name(self) -> str:
        return self.api.name

    # --- auth ------------------------------------------------------------------------------
    def _scheme_header(self, scheme: str, value: str) -> tuple[str, str]:
        spec = self.doc["components"]["securitySchemes"][scheme]
        if spec.get("type") == "apiKey" and spec.get("in") == "header":
            return spec["name"], value
        return "Authorization", f"Bearer {value}"

    def headers(self, operation_id: str | None = None) -> dict[str, str]:
        """Every header the operation's first security requirement needs (all of the
        profile's rules when ``operation_id`` is None)."""
        wanted: set[str] | None = None
        if operation_id is not None:
            security = self.api.operations[operation_id].security
            wanted = set(security[0]) if security else set()
        out: dict[str, str] = {}
        for rule in self.profile.auth:
            if wanted is not None and rule.scheme not in wanted:
                continue
            value = (
                PARTITION_VALUE if rule.partition else self.credential.get(rule.credential or "")
            )
            if value:
                name, sent = self._scheme_header(rule.scheme, str(value))
                out[name] = sent
        return out

    def missing_credential(self, operation_id: str) -> Situation:
        """What the profile documents when no credential at all is sent."""
        security = self.api.operations[operation_id].security
        schemes = set(security[0]) if security else set()
        for rule in self.profile.auth:
            if rule.scheme in schemes and rule.missing is not None:
                return rule.missing
        return self.profile.situation("missing_credential", operation_id)

    # --- requests --------------------------------------------------------------------------
    def _param_example(self, param: Mapping[str, Any]) -> Any:
        param = resolve(self.doc, param)
        schema = resolve(self.doc, param.get("schema", {}))
        for value in (param.get("example"), schema.get("example"), schema.get("default")):
            if value is not None:
                return value
        for example in (param.get("examples") or {}).values():
            return resolve(self.doc, example).get("value")
        return (schema.get("enum") or [None])[0] or (1 if schema.get("type") == "integer" else "x")

    def _fill(self, operation_id: str, path: str, params: list[Any]) -> str:
        values = {
            resolve(self.doc, p)["name"]: self._param_example(p)
            for p in params
            if resolve(self.doc, p).get("in") == "path"
        }
        # An operation whose profile says the path names the caller's own resource
        # (``owner: {param, credential}``) gets the credential's value, not the spec's example.
        owner = self.profile.state.get(operation_id, {}).get("owner")
        if owner and owner.get("credential") in self.credential:
            values[owner["param"]] = self.credential[owner["credential"]]
        return re.sub(r"\{([^}]+)\}", lambda m: str(values.get(m.group(1), "x")), path)

    def samples(self) -> Iterator[Sample]:
        for path, item in self.doc.get("paths", {}).items():
            for method in METHODS:
                raw = item.get(method)
                if raw is None:
                    continue
                params = [*item.get("parameters", []), *raw.get("parameters", [])]
                body, media = None, None
                content = resolve(self.doc, raw.get("requestBody", {})).get("content", {})
                for media_type, entry in content.items():
                    media = media_type
                    for example in entry.get("examples", {}).values():
                        body = resolve(self.doc, example).get("value")
                        break
                    break
                yield Sample(
                    raw["operationId"],
                    method.upper(),
                    path,
                    self.api.base_path + self._fill(raw["operationId"], path, params),
                    body,
                    media,
                    frozenset(str(s) for s in raw.get("responses", {})),
                )

    # --- answers ---------------------------------------------------------------------------
    def message(self, body: Any) -> Any:
        """The message in an error body, where the profile's template puts ``{message}``."""
        assert self._message is not None, f"{self.name}: error template has no {{message}}"
        for key in self._message:
            body = body[key]
        return body

    def envelope_mismatches(
        self, body: Any, expected: Situation, status: int, *, no_problems: bool = True
    ) -> list[str]:
        """Where ``body`` differs from what the profile's template fixes for ``expected``: the
        literals, code, status, fixed message and (``no_problems``) empty problem lists."""
        values: dict[str, Any] = {"code": expected.code, "status": status}
        if "{" not in expected.message:
            values["message"] = expected.message
        if no_problems and expected.problem is None:
            values.update(problems=[], problems_map={})
            values.update({"problems?": ABSENT, "problems_map?": ABSENT})
        out = []
        for path, what in _fixed_parts(self.profile.error_template):
            want = what[1] if isinstance(what, tuple) else values.get(what, ...)
            if want is ...:
                continue
            got: Any = body
            for key in path:
                got = got.get(key, ABSENT) if isinstance(got, Mapping) else ABSENT
            if got != want:
                out.append(f"{'.'.join(path)}: {got!r} != {want!r}")
        return out

    def examples(self, operation_id: str) -> list[str]:
        """Every named example the operation's responses document, sorted."""
        responses = self.api.operations[operation_id].responses.values()
        return sorted({name for r in responses for name in r.examples})

    def documented_header(self, operation_id: str, status: str, header: str) -> Any:
        """The spec's example value of a response header (None when it gives none)."""
        response = self.api.operations[operation_id].responses.get(status)
        headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
        return headers.get(header.lower())

    def is_envelope(self, body: Any) -> bool:
        """The body validates against the spec's own Error schema."""
        schema = {
            **self.doc["components"]["schemas"]["Error"],
            "components": self.doc["components"],
        }
        return OAS30Validator(schema).is_valid(body)

    def expected(self, situation: str, operation_id: str | None = None) -> Situation:
        return self.profile.situation(situation, operation_id)

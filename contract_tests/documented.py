"""Documented-behaviour checks generated from the profiles (issue 9, item 1).

Plain schemathesis checks know the spec, not what the docs promise per credential or for a
malformed request. Each partner's profile does: which status and message answer a missing, a
wrong, a forged or an expired credential, a credential lacking a scope, a malformed or
non-UTF-8 body, a wrong Content-Type, an unknown method, another credential's resource, a
broken vendor rule, too many requests. ``probes`` turns that into one concrete request (or a
short sequence) per operation and check; ``send`` runs it through any client; ``judge`` lists
every way the answer departs from the documented one (never only the first).
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import jwt
import urllib3
from connexion.json_schema import resolve_refs

from mock_server.core.specindex import resolve
from vendor_keywords import NAMES

from .targets import Target, env_name, scheme_values

WRONG_VALUE = "contract-wrong-value"  # an invented credential: shown as sent in the curl
FORGED_SECRET = "contract-forged-secret-of-32-bytes+"  # signs the forged token: shown as sent
BOUNDARY = "contract-boundary"  # multipart bodies are built with a fixed boundary (replayable)
_METHODS = ("get", "post", "put", "patch", "delete")
_PROBE_METHODS = ("DELETE", "PUT", "PATCH", "POST")
NON_UTF8 = b'{"contract": "\xff\xfe"}'  # JSON punctuation around bytes that are not UTF-8


@dataclass(frozen=True)
class Step:
    """A request sent before the probe (isolation: create with one credential)."""

    method: str
    path: str
    headers: dict[str, str]
    content: bytes | None = None
    id_field: str | None = None  # the answer's field whose value fills "{id}" in later paths


@dataclass(frozen=True)
class Probe:
    api: str
    method: str
    path: str  # the spec path, parameters filled ("{id}": from the last setup step's answer)
    check: str  # e.g. "auth: wrong x-api-key"
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    allow: tuple[str, ...] = ()  # for 405: the methods the Allow header must name
    field: str | None = None  # a field the refusal must name
    operation: str = ""  # "METHOD /spec/path", for the run report
    setup: tuple[Step, ...] = ()
    repeat: int = 1  # rate limit: send up to this many times, judge the first 429
    skip: str | None = None  # a real input is missing (names it)
    # "accepted" probes: any answer passes but one of these documented refusals (status, message)
    refusals: tuple[tuple[int, str], ...] = ()

    @property
    def label(self) -> str:
        """The check as the run report and the checklist name show it."""
        return self.check if self.refusals else f"{self.check} → {self.status}"

    @property
    def name(self) -> str:
        return f"{self.api} {self.method} {self.path} · {self.label}"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    text: str
    sent: tuple[Step, ...]  # every request sent, in order, exactly as sent
    problems: tuple[str, ...] = ()  # departures found before the probe itself (setup)


def _scheme_header(scheme: dict[str, Any], value: str) -> tuple[str, str]:
    if scheme.get("type") == "apiKey":
        return str(scheme["name"]), value
    return "Authorization", f"Bearer {value}"


def _fill(path: str, params: list[dict[str, Any]], doc: dict[str, Any], **given: str) -> str:
    for param in (resolve(doc, p) for p in params):
        if param.get("in") == "path":
            example = param.get("example", param.get("schema", {}).get("example", "x"))
            path = path.replace("{" + param["name"] + "}", str(given.get(param["name"], example)))
    return path


def _example(media: dict[str, Any]) -> Any:
    examples = media.get("examples") or {}
    return media.get("example", next(iter(examples.values()), {}).get("value", {}))


def _multipart(
    fields: Mapping[str, Any], schema: Mapping[str, Any], doc: Mapping[str, Any] | None = None
) -> tuple[bytes, str]:
    """A form as multipart/form-data (urllib3's encoder); ``format: binary`` fields as files
    (``doc``: where the schema's ``$ref``s lead)."""
    parts: dict[str, Any] = {}
    schema = resolve(doc, schema) if doc is not None else schema
    for name, value in fields.items():
        prop = schema.get("properties", {}).get(name, {})
        prop = resolve(doc, prop) if doc is not None else prop
        if prop.get("format") == "binary":
            data = value if isinstance(value, bytes) else str(value).encode()
            parts[name] = (f"{name}.csv", data, "text/csv")
        else:
            parts[name] = str(value)
    return urllib3.encode_multipart_formdata(parts, boundary=BOUNDARY)


def _body(operation: dict[str, Any], doc: Mapping[str, Any]) -> tuple[str, bytes] | None:
    """(Content-Type, bytes) of the operation's documented request example."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return "application/json", json.dumps(_example(content["application/json"])).encode()
    if "multipart/form-data" in content:
        media = content["multipart/form-data"]
        body, kind = _multipart(_example(media), media.get("schema", {}), doc)
        return kind, body
    return None


def _rule_sites(schema: Any, value: Any, at: tuple[Any, ...] = ()) -> Any:
    """(keyword, rule, location) for each vendor rule the example ``value`` reaches."""
    if not isinstance(schema, dict):
        return
    for keyword in sorted(NAMES):  # every keyword of the table, upload ones too
        if keyword in schema:
            yield keyword, schema[keyword], at
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                yield from _rule_sites(sub, value[name], (*at, name))
    elif isinstance(value, list) and value:
        yield from _rule_sites(schema.get("items"), value[0], (*at, 0))


def _csv_violations(rule: Mapping[str, Any]) -> list[tuple[str, bytes]]:
    """(what, file contents) breaking an ``x-csv-rows`` rule in each documented way."""
    header = f"{rule['header']}\n" if rule.get("header") else ""
    out = [("a row not matching", f"{header}not-a-number\n".encode())]
    if int(rule.get("min_rows", 0)) > 0:
        out.append(("no rows", header.encode()))
    out.append(("not UTF-8", header.encode() + b"\xff\xfe\n"))
    return out


def _violations(schema: Any, kind: str, body: bytes, example: Any) -> list[tuple[str, bytes, str]]:
    """(check, violating body, field it must name), one per vendor rule the example reaches."""
    out = []
    for keyword, rule, at in _rule_sites(schema, example):
        bad = copy.deepcopy(example)
        node = bad
        for part in at[:-1] if keyword == "x-csv-rows" else at:
            node = node[part]
        if keyword == "x-after" and isinstance(node, dict):
            for later, earlier in rule.items():
                if earlier in node:
                    node[later] = node[earlier]  # equal: "after" is strict
                    out.append((f"vendor rule: x-after {later}", json.dumps(bad).encode(), later))
        elif keyword == "x-unique-by" and isinstance(node, list) and node:
            node.append(copy.deepcopy(node[0]))
            name = str(at[-1]) if at else "body"
            out.append((f"vendor rule: x-unique-by {rule}", json.dumps(bad).encode(), name))
        elif keyword == "x-csv-rows" and kind.startswith("multipart/") and at:
            for what, data in _csv_violations(rule):
                node[at[-1]] = data
                encoded, _ = _multipart(bad, schema)
                out.append((f"vendor rule: x-csv-rows {what}", encoded, str(at[-1])))
    return out


def _required_schemes(op: dict[str, Any], doc: dict[str, Any]) -> dict[str, list[str]]:
    """Scheme -> the scopes the operation needs of it (OpenAPI's, plus ``x-required-scopes``)."""
    out: dict[str, list[str]] = {}
    for requirement in op.get("security", doc.get("security", [])):
        for scheme, scopes in requirement.items():
            out.setdefault(scheme, []).extend(scopes)
    for scheme in out:
        out[scheme] = sorted({*out[scheme], *op.get("x-required-scopes", [])})
    return out


@dataclass(frozen=True)
class Credentials:
    """The values a probe run sends: the main credential, a second one (isolation), a key with
    fewer scopes, an expired token; in-process from the sandbox file, live from the
    environment (README, "Live endpoints")."""

    main: dict[str, str]
    other: dict[str, str] | None
    other_missing: str  # the input a live run lacks for the second credential
    limited: dict[str, str] | None  # scheme -> a value lacking some scopes
    limited_scopes: dict[str, frozenset[str]]  # scheme -> the scopes that value has
    limited_missing: str
    expired: Callable[[str], str | None]  # scheme -> a validly signed, expired token
    expired_missing: str


def sandbox_credentials(target: Target, jwt_secret: str | None) -> Credentials:
    others = target.others
    limited: dict[str, str] = {}
    scopes: dict[str, frozenset[str]] = {}
    for cred in (target.credential, *others):
        if "scopes" in cred:
            for scheme, value in scheme_values(target, credential=cred).items():
                known = scopes.get(scheme)
                if known is None or len(cred["scopes"]) < len(known):
                    limited[scheme], scopes[scheme] = value, frozenset(cred["scopes"])

    def expired(scheme: str) -> str | None:
        if jwt_secret is None:
            return None
        claims = {"sub": str(target.credential.get("name", "sandbox")), "iat": 1, "exp": 2}
        return jwt.encode(claims, jwt_secret, algorithm="HS256")

    return Credentials(
        scheme_values(target),
        scheme_values(target, credential=others[0]) if others else None,
        "a second sandbox credential in specs/sandbox-credentials.yaml",
        limited or None,
        scopes,
        "a sandbox credential with fewer scopes",
        expired,
        "the mock's JWT secret",
    )


def live_credentials(target: Target, environ: Mapping[str, str]) -> Credentials:
    schemes = [r.scheme for r in target.profile.auth if not r.partition]
    main = scheme_values(target, live=True)
    other = scheme_values(target, live=True, suffix="_OTHER")
    limited = scheme_values(target, live=True, suffix="_LIMITED")
    scopes = {
        s: frozenset(environ.get(env_name(target.name, s) + "_LIMITED_SCOPES", "").split())
        for s in limited
    }
    names = " or ".join(env_name(target.name, s) for s in schemes)
    with_scopes = {s: v for s, v in limited.items() if scopes[s]}
    # a scope check is skipped only for a scheme without its _LIMITED input: name just those
    lacking = " or ".join(env_name(target.name, s) for s in schemes if s not in with_scopes)

    def expired(scheme: str) -> str | None:
        return environ.get(env_name(target.name, scheme) + "_EXPIRED")

    return Credentials(
        main,
        {**main, **other} if any(s in other for s in schemes) else None,
        f"a second credential ({names} with the suffix _OTHER)",
        with_scopes or None,
        scopes,
        f"a key with fewer scopes ({lacking or names} with the suffix _LIMITED, and"
        " _LIMITED_SCOPES)",
        expired,
        f"an expired token the partner issued ({names} with the suffix _EXPIRED)",
    )


def _headers(
    schemes: Mapping[str, Any], values: Mapping[str, str], required: Iterable[str]
) -> dict[str, str]:
    return dict(_scheme_header(schemes[s], values[s]) for s in sorted(required) if s in values)


def probes(
    target: Target,
    *,
    live: bool = False,
    read_only: bool = False,
    credentials: Credentials | None = None,
) -> list[Probe]:
    """Every documented-behaviour probe for ``target``'s operations."""
    profile, doc = target.profile, target.doc
    creds = credentials or sandbox_credentials(target, None)
    schemes = doc.get("components", {}).get("securitySchemes", {})
    resolved = resolve_refs(doc)
    out: list[Probe] = []
    for path, item in doc.get("paths", {}).items():
        ops = {m: o for m, o in item.items() if m in _METHODS}
        for method, op in ops.items():
            if read_only and method != "get":
                continue
            op_id = op.get("operationId")
            url = _fill(path, [*item.get("parameters", []), *op.get("parameters", [])], doc)
            needs = _required_schemes(op, doc)
            good = _headers(schemes, creds.main, needs)
            body = _body(op, doc)
            kind, content = body if body else (None, None)
            if kind:
                good["content-type"] = kind
            base = Probe(
                target.name,
                method.upper(),
                url,
                "",
                0,
                "",
                headers=good,
                content=content,
                operation=f"{method.upper()} {path}",
            )

            def probe(
                check: str, situation: str, base: Probe = base, op_id: str | None = op_id, **kw: Any
            ) -> Probe:
                found = profile.situation(situation, op_id)
                return replace(base, check=check, status=found.status, message=found.message, **kw)

            out += _auth_probes(target, creds, schemes, needs, good, probe, op_id, live)
            if kind == "application/json":
                out.append(probe("envelope: malformed JSON", "malformed_body", content=b"{bad"))
                out.append(probe("envelope: non-UTF-8 body", "malformed_body", content=NON_UTF8))
            if kind:
                wrong = good | {"content-type": "text/plain"}
                out.append(
                    probe("envelope: wrong Content-Type", "unsupported_media_type", headers=wrong)
                )
                media_type = kind.split(";")[0]
                media = resolved["paths"][path][method]["requestBody"]["content"][media_type]
                example = _example(op["requestBody"]["content"][media_type])
                for check, bad, name in _violations(
                    media.get("schema"), kind, content or b"", example
                ):
                    out.append(probe(check, "validation", content=bad, field=name))
            isolation = _isolation(target, creds, schemes, path, op, probe, read_only)
            if isolation:
                out.append(isolation)
        if read_only:
            continue
        unknown = next(m for m in _PROBE_METHODS if m.lower() not in ops)
        first = next(iter(ops.values()))
        found = profile.situation("method_not_allowed", first.get("operationId"))
        out.append(
            Probe(
                target.name,
                unknown,
                _fill(path, [*item.get("parameters", []), *first.get("parameters", [])], doc),
                "envelope: unknown method (Allow)",
                found.status,
                found.message,
                allow=tuple(m.upper() for m in ops),
                operation=f"{unknown} {path}",
            )
        )
    return out


def _auth_probes(
    target: Target,
    creds: Credentials,
    schemes: Mapping[str, Any],
    needs: Mapping[str, list[str]],
    good: dict[str, str],
    probe: Callable[..., Probe],
    op_id: str | None,
    live: bool = False,
) -> list[Probe]:
    """Each credential missing, wrong, forged, expired or short of a scope."""
    profile = target.profile
    out = []
    proving = [r for r in profile.auth if not r.partition and r.scheme in needs]
    if proving and probe("", "missing_credential").method == "GET":
        # A wrong or expired main credential turns every other check into a refusal that
        # passes ("auth not ignored", "valid request accepted" allow 401/403): the good request
        # itself must not be refused. GET only: it writes nothing and spends nothing.
        refusals = tuple(
            (s.status, s.message)
            for s in (
                *(r.missing for r in proving if r.missing),
                profile.situation("missing_credential", op_id),
                profile.situation("invalid_credential", op_id),
                profile.situation("insufficient_scope", op_id),
            )
        )
        out.append(
            replace(
                probe("auth: given credentials accepted", "invalid_credential"), refusals=refusals
            )
        )
    for rule in profile.auth:
        if rule.scheme not in needs or rule.scheme not in schemes:
            continue
        header, _ = _scheme_header(schemes[rule.scheme], "")
        without = {k: v for k, v in good.items() if k != header}
        missing = rule.missing or profile.situation("missing_credential", op_id)
        plain = probe(f"auth: missing {header}", "missing_credential", headers=without)
        out.append(replace(plain, status=missing.status, message=missing.message))
        if rule.partition:
            continue

        def bearer(value: str, scheme: str = rule.scheme) -> dict[str, str]:
            return good | dict([_scheme_header(schemes[scheme], value)])

        out.append(
            probe(f"auth: wrong {header}", "invalid_credential", headers=bearer(WRONG_VALUE))
        )
        if rule.bearer_jwt:
            forged = jwt.encode(
                {"sub": "contract-forged", "iat": int(time.time()), "exp": 4102444800},
                FORGED_SECRET,
                algorithm="HS256",
            )
            out.append(probe("auth: forged token", "invalid_credential", headers=bearer(forged)))
            expired = creds.expired(rule.scheme)
            check = "auth: expired token"
            out.append(
                probe(check, "invalid_credential", headers=bearer(expired))
                if expired
                else probe(check, "invalid_credential", skip=f"needs {creds.expired_missing}")
            )
        scopes = needs.get(rule.scheme, [])
        if scopes:
            lacking = sorted(set(scopes) - creds.limited_scopes.get(rule.scheme, frozenset()))
            check = "auth: missing scope"
            if creds.limited is None or rule.scheme not in creds.limited:
                out.append(
                    probe(check, "insufficient_scope", skip=f"needs {creds.limited_missing}")
                )
            elif lacking:
                value = creds.limited[rule.scheme]
                check = f"auth: missing scope {lacking[0]}"
                out.append(probe(check, "insufficient_scope", headers=bearer(value)))
            elif live:  # the user's key cannot run this check: a named skip, not left out
                why = f"needs a key lacking one of {', '.join(scopes)} (the _LIMITED one has all)"
                out.append(probe(check, "insufficient_scope", skip=why))
    return out


def _isolation(
    target: Target,
    creds: Credentials,
    schemes: Mapping[str, Any],
    path: str,
    op: dict[str, Any],
    probe: Callable[..., Probe],
    read_only: bool,
) -> Probe | None:
    """A read of another credential's resource: created (or, for a resource each credential
    owns, read) with the main credential, then read with the second one; documented not-found."""
    state = target.profile.state.get(op.get("operationId", ""), {})
    if state.get("action") != "get":
        return None
    doc, check = target.doc, "isolation: another credential's resource"
    writes = not state.get("owner") and _creator(target, state["collection"]) is not None
    if creds.other is None:
        also = " and ALLOW_WRITES=1" if writes and read_only else ""
        return probe(check, "not_found", skip=f"needs {creds.other_missing}{also}")
    needs = _required_schemes(op, doc)
    item = doc["paths"][path]
    params = [*item.get("parameters", []), *op.get("parameters", [])]
    if state.get("owner"):  # a resource each credential owns: read our own with the other one
        own = str(target.credential.get(state["owner"]["credential"], ""))
        url = _fill(path, params, doc, **({state["param"]: own} if own else {}))
        setup = (Step("GET", url, _headers(schemes, creds.main, needs)),)
        return probe(
            check, "not_found", path=url, headers=_headers(schemes, creds.other, needs), setup=setup
        )
    create = _creator(target, state["collection"])
    if create is None:
        return None  # nothing creates it
    if read_only:  # a check that cannot run is a named skip, never a check left out
        why = "ALLOW_WRITES=1: a read-only run must not create the resource it reads"
        return probe(check, "not_found", skip=f"needs {why}")
    c_path, c_method, c_op, c_state = create
    body = _body(c_op, doc)
    c_headers = _headers(schemes, creds.main, _required_schemes(c_op, doc))
    if body:
        c_headers["content-type"] = body[0]
    ids = c_state.get("id", ["id"])
    step = Step(
        c_method.upper(),
        _fill(c_path, doc["paths"][c_path].get("parameters", []), doc),
        c_headers,
        body[1] if body else None,
        ids if isinstance(ids, str) else ids[0],
    )
    url = _fill(path, params, doc, **{state["param"]: "{id}"})
    control = Step("GET", url, _headers(schemes, creds.main, needs))  # its owner can read it
    return probe(
        check,
        "not_found",
        path=url,
        headers=_headers(schemes, creds.other, needs),
        setup=(step, control),
    )


def _creator(target: Target, collection: str) -> tuple[str, str, dict[str, Any], Any] | None:
    for path, item in target.doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in _METHODS:
                continue
            state = target.profile.state.get(op.get("operationId", ""), {})
            if state.get("action") == "create" and state.get("collection") == collection:
                return path, method, op, state
    return None


def rate_limit_probe(target: Target, credentials: Credentials, read_only: bool) -> Probe | None:
    """Too many requests to the operation with the tightest documented limit (safe ones only
    in a read-only run): the documented 429 with ``Retry-After`` and body. Sends up to the
    limit plus five requests."""
    doc, profile = target.doc, target.profile
    schemes = doc.get("components", {}).get("securitySchemes", {})
    best: tuple[tuple[int, bool, bool], str, str, dict[str, Any]] | None = None
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in _METHODS or (read_only and method != "get"):
                continue
            op_id = op.get("operationId")
            rules = [r for r in profile.rate_limits if not r.operations or op_id in r.operations]
            if rules:
                amount = min(int(r.limit.partition("/")[0]) for r in rules)
                # the tightest limit; among equals a read, and one that needs a credential
                key = (amount, method != "get", not _required_schemes(op, doc))
                if best is None or key < best[0]:
                    best = (key, path, method, op)
    if best is None:
        return None
    (amount, *_), path, method, op = best
    params = [*doc["paths"][path].get("parameters", []), *op.get("parameters", [])]
    headers = _headers(schemes, credentials.main, _required_schemes(op, doc))
    body = _body(op, doc)
    if body:
        headers["content-type"] = body[0]
    found = profile.situation("rate_limited", op.get("operationId"))
    return Probe(
        target.name,
        method.upper(),
        _fill(path, params, doc),
        "rate limit: too many requests",
        found.status,
        found.message,
        headers=headers,
        content=body[1] if body else None,
        operation=f"{method.upper()} {path}",
        repeat=amount + 5,
    )


Request = Callable[[str, str, dict[str, str], bytes | None], Any]


def send(probe: Probe, request: Request) -> Answer:
    """Run ``probe`` (its setup steps first) through ``request(method, path, headers, body)``,
    which returns a response with ``status_code``, ``headers`` and ``text``."""
    sent: list[Step] = []
    found_id = ""
    for step in probe.setup:
        path = step.path.replace("{id}", found_id)
        response = request(step.method, path, step.headers, step.content)
        sent.append(replace(step, path=path))
        if response.status_code >= 300:
            problem = (
                f"setup {step.method} {path} answered {response.status_code}: {response.text[:300]}"
            )
            return Answer(
                response.status_code, dict(response.headers), response.text, tuple(sent), (problem,)
            )
        if step.id_field:
            try:
                found_id = str(json.loads(response.text).get(step.id_field, ""))
            except (ValueError, AttributeError):
                problem = (
                    f"setup {step.method} {path}: no {step.id_field!r} in {response.text[:300]}"
                )
                return Answer(
                    response.status_code,
                    dict(response.headers),
                    response.text,
                    tuple(sent),
                    (problem,),
                )
    path = probe.path.replace("{id}", found_id)
    final = Step(probe.method, path, probe.headers, probe.content)
    response = None
    for _ in range(probe.repeat):
        response = request(probe.method, path, probe.headers, probe.content)
        sent.append(final)
        if probe.repeat > 1 and response.status_code == 429:
            break
    assert response is not None
    return Answer(response.status_code, dict(response.headers), response.text, tuple(sent))


def _message_pattern(message: str) -> re.Pattern[str]:
    """The documented message with its ``{placeholders}`` matching any text."""
    parts = re.split(r"\{[^}]*\}", message)
    return re.compile(".+?".join(re.escape(p) for p in parts))


def judge(probe: Probe, answer: Answer) -> list[str]:
    """Every departure of an answer from the documented one."""
    problems = list(answer.problems)
    if problems:
        return problems
    for status, message in probe.refusals:
        if answer.status == status and _message_pattern(message).search(answer.text):
            return [
                f"the credentials given were refused ({status}, the documented {message!r}): "
                "every other check then only saw refusals"
            ]
    if probe.refusals:
        return []
    status, headers, text = (
        answer.status,
        {k.lower(): v for k, v in answer.headers.items()},
        answer.text,
    )
    if probe.repeat > 1 and status != 429:  # the limit never came: the rest would be noise
        return [f"{len(answer.sent)} requests and no 429 (the last answered {status})"]
    if status != probe.status:
        problems.append(f"status {status}, documented {probe.status}")
    if not _message_pattern(probe.message).search(text):
        problems.append(f"body lacks the documented message {probe.message!r}: {text[:300]}")
    if probe.field and probe.field not in text:
        problems.append(f"body does not name the field {probe.field!r}: {text[:300]}")
    if probe.allow:
        allow = {m.strip().upper() for m in headers.get("allow", "").split(",") if m.strip()}
        if not set(probe.allow) <= allow:
            problems.append(f"Allow header {headers.get('allow')!r} lacks {list(probe.allow)}")
    if probe.status == 429 and not headers.get("retry-after", "").strip().isdigit():
        problems.append(
            f"429 without a Retry-After of whole seconds (got {headers.get('retry-after')!r})"
        )
    return problems


def _word(text: str, secrets: Mapping[str, str]) -> str:
    """``text`` as one shell word, each real secret in it shown as ``"$VARIABLE"`` (the
    environment variable holding it: ``secrets`` maps value to name), so the curl runs as sent
    in a shell with that environment; the rest quoted with shlex."""
    found = sorted((s for s in secrets if s and s in text), key=len, reverse=True)
    if not found:
        return shlex.quote(text)
    pieces = re.split("(" + "|".join(map(re.escape, found)) + ")", text)
    return "".join(
        f'"${secrets[piece]}"' if i % 2 else (shlex.quote(piece) if piece else "")
        for i, piece in enumerate(pieces)
    )


def _curl_step(step: Step, base_url: str, secrets: Mapping[str, str]) -> str:
    parts = ["curl", "-X", shlex.quote(step.method)]  # shell words, each quoted already
    for key, value in step.headers.items():
        parts += ["-H", _word(f"{key}: {value}", secrets)]
    feed = ""
    if step.content is not None:
        try:
            text = step.content.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and all(ch.isprintable() or ch in "\n\t" for ch in text):
            parts += ["--data-binary", _word(text, secrets)]
        else:  # bytes curl cannot take on its command line: fed through printf, exactly
            escaped = "".join(
                chr(b) if 32 <= b < 127 and chr(b) not in "\\'%" else f"\\x{b:02x}"
                for b in step.content
            )
            feed = f"printf '{escaped}' | "
            parts += ["--data-binary", "@-"]
    parts.append(shlex.quote(base_url.rstrip("/") + step.path))
    return feed + " ".join(parts)


def curl(probe: Probe | Answer, base_url: str, secrets: Mapping[str, str]) -> str:
    """Curl commands replaying exactly what was sent, one line per request (real secrets
    masked, invented values as sent). Hand-built with shlex: schemathesis' own curl needs a
    generated case, and these requests are not one."""
    steps = (
        probe.sent
        if isinstance(probe, Answer)
        else (
            *probe.setup,
            Step(probe.method, probe.path, probe.headers, probe.content),
        )
    )
    lines = [_curl_step(s, base_url, secrets) for s in steps]
    if len(lines) > 5:  # a rate-limit burst: the same request, many times
        return f"for i in $(seq {len(lines)}); do {lines[-1]}; done"
    return "\n".join(lines)

"""Compare two OpenAPI documents and classify every change by direction.

Hand-written: Python has no maintained OpenAPI diff library (oasdiff, the reference, is Go).
Everything here tolerates loose documents: a value of the wrong type reads as absent, ``$ref``
loops and recursive schemas stop at the first repeat, and a size budget bounds the work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from jsonpointer import JsonPointerException, resolve_pointer

from speclint.diff.catalogue import RULES, level

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_DEPTH = 40
BUDGET = 200_000  # schema-node comparisons per document pair
WIDER_FORMATS = {("int32", "int64"), ("float", "double")}


@dataclass(frozen=True)
class Change:
    id: str
    level: str
    operation: str
    location: str
    message: str
    approved: bool = False

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if not self.approved:
            del out["approved"]
        return out


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _esc(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


@dataclass
class _Ctx:
    """One comparison: both documents, the running operation, the findings."""

    old: dict[str, Any]
    new: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    operation: str = ""
    budget: int = BUDGET
    truncated: bool = False
    same_components: bool = False
    notes: list[str] = field(default_factory=list)
    # ref pairs already compared within the running operation: a schema shared by many
    # properties is reported once per operation, at its first location
    memo: set[tuple[Any, ...]] = field(default_factory=set)

    dirty: set[str] = field(default_factory=set)
    shared_memo: bool = False

    def __post_init__(self) -> None:
        self.same_components = self.old.get("components") == self.new.get("components")
        self.dirty = _dirty_refs(self.old, self.new)

    def clean(self, old: Any, new: Any, old_ref: str | None, new_ref: str | None) -> bool:
        """Nothing can differ below this pair: same ref, unchanged, reaching only unchanged."""
        if old_ref is not None or new_ref is not None:
            return old_ref == new_ref and old_ref not in self.dirty
        return old == new and not (_refs_in(old) & self.dirty)

    def add(self, rule_id: str, location: str, message: str) -> None:
        if rule_id not in RULES:  # every id we emit must be in the catalogue
            raise KeyError(rule_id)
        self.changes.append(Change(rule_id, level(rule_id), self.operation, location, message))


def deref(doc: dict[str, Any], node: Any, seen: tuple[str, ...] = ()) -> tuple[Any, str | None]:
    """Follow local ``$ref``s; returns the target and the last ref (a loop yields ``{}``)."""
    ref: str | None = None
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#"):
            return {}, ref
        seen = (*seen, ref)
        try:
            node = resolve_pointer(doc, ref[1:])
        except (JsonPointerException, TypeError, ValueError):
            return {}, ref
    return node, ref


def _refs_in(node: Any) -> set[str]:
    """Every ``$ref`` string anywhere below ``node`` (iterative: no recursion limit)."""
    out: set[str] = set()
    todo = [node]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                out.add(ref)
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return out


def _lookup(doc: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#"):
        return None
    try:
        return resolve_pointer(doc, ref[1:])
    except (JsonPointerException, TypeError, ValueError):
        return None


def _dirty_refs(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """Refs whose target differs between the documents, or reaches one that does."""
    refs = _refs_in(old) | _refs_in(new)
    edges: dict[str, set[str]] = {}
    dirty: set[str] = set()
    todo = list(refs)
    while todo:
        ref = todo.pop()
        if ref in edges:
            continue
        before, after = _lookup(old, ref), _lookup(new, ref)
        if before != after:
            dirty.add(ref)
        edges[ref] = _refs_in(before) | _refs_in(after)
        todo.extend(edges[ref] - edges.keys())
    users: dict[str, set[str]] = {}
    for ref, targets in edges.items():
        for target in targets:
            users.setdefault(target, set()).add(ref)
    todo = list(dirty)
    while todo:
        for user in users.get(todo.pop(), ()):
            if user not in dirty:
                dirty.add(user)
                todo.append(user)
    return dirty


def _norm_path(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _success(code: str) -> bool:
    return code[:1] in "123" and code != "default"


def compare(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[Change], list[str]]:
    """All changes from ``old`` to ``new``, and notes (e.g. the budget ran out)."""
    ctx = _Ctx(old, new)
    notes = ctx.notes
    _compare_paths(ctx)
    ctx.operation = ""
    _compare_security(ctx, _l(old.get("security")), _l(new.get("security")), "/security", True)
    _compare_components(ctx)
    if ctx.truncated:
        notes.append(f"comparison stopped after {BUDGET} schema nodes; the report is partial")
    return ctx.changes, notes


def _operations(doc: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], dict[str, Any]]]:
    """Normalised path → (path as written, path item, resolved)."""
    out: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
    for path, item in _d(doc.get("paths")).items():
        resolved, _ = deref(doc, item)
        out.setdefault(_norm_path(str(path)), (str(path), _d(resolved), {}))
    return out


def _compare_paths(ctx: _Ctx) -> None:
    old_paths, new_paths = _operations(ctx.old), _operations(ctx.new)
    for key, (path, old_item, _) in old_paths.items():
        where = "/paths/" + _esc(path)
        old_ops = {m: _d(old_item[m]) for m in METHODS if isinstance(old_item.get(m), dict)}
        if key not in new_paths:
            ctx.operation = ""
            deprecated = bool(old_ops) and all(
                op.get("deprecated") is True for op in old_ops.values()
            )
            rule = (
                "api-path-removed-with-deprecation"
                if deprecated
                else ("api-path-removed-without-deprecation")
            )
            ctx.add(rule, where, f"path {path} removed")
            continue
        new_path, new_item, _ = new_paths[key]
        where = "/paths/" + _esc(new_path)
        for method in METHODS:
            old_op, new_op = old_item.get(method), new_item.get(method)
            ctx.operation = f"{method.upper()} {new_path}"
            if isinstance(old_op, dict) and not isinstance(new_op, dict):
                rule = (
                    "api-removed-with-deprecation"
                    if old_op.get("deprecated") is True
                    else ("api-removed-without-deprecation")
                )
                ctx.add(rule, f"{where}/{method}", f"operation {ctx.operation} removed")
            elif isinstance(new_op, dict) and not isinstance(old_op, dict):
                ctx.add("endpoint-added", f"{where}/{method}", f"operation {ctx.operation} added")
            elif isinstance(old_op, dict) and isinstance(new_op, dict):
                try:
                    _compare_operation(ctx, old_item, old_op, new_item, new_op, f"{where}/{method}")
                except (RecursionError, TypeError, ValueError, AttributeError) as exc:
                    # a shape no rule foresaw: report it and carry on with the other operations
                    ctx.notes.append(f"{ctx.operation}: not fully compared ({type(exc).__name__})")
    for key, (path, new_item, _) in new_paths.items():
        if key in old_paths:
            continue
        for method in METHODS:
            if isinstance(new_item.get(method), dict):
                ctx.operation = f"{method.upper()} {path}"
                ctx.add("endpoint-added", f"/paths/{_esc(path)}/{method}", "operation added")


def _compare_operation(
    ctx: _Ctx,
    old_item: dict[str, Any],
    old_op: dict[str, Any],
    new_item: dict[str, Any],
    new_op: dict[str, Any],
    where: str,
) -> None:
    if ctx.budget > BUDGET // 2:
        ctx.memo.clear()
    elif not ctx.shared_memo:
        # a large, densely linked document: from here on a shared schema's changes are
        # reported once, under the first operation that reaches them, so the walk stays linear
        ctx.shared_memo = True
        ctx.notes.append("large document: changes in shared schemas are reported once only")
    old_dep, new_dep = old_op.get("deprecated") is True, new_op.get("deprecated") is True
    if new_dep and not old_dep:
        ctx.add("endpoint-deprecated", where + "/deprecated", "operation deprecated")
    elif old_dep and not new_dep:
        ctx.add("endpoint-reactivated", where + "/deprecated", "operation reactivated")
    old_id, new_id = old_op.get("operationId"), new_op.get("operationId")
    if old_id != new_id:
        if old_id is not None:
            ctx.add("api-operation-id-removed", where + "/operationId", f"{old_id} → {new_id}")
        else:
            ctx.add("api-operation-id-added", where + "/operationId", f"added {new_id}")
    old_tags = {str(t) for t in _l(old_op.get("tags"))}
    new_tags = {str(t) for t in _l(new_op.get("tags"))}
    for tag in sorted(old_tags - new_tags):
        ctx.add("api-tag-removed", where + "/tags", f"tag {tag} removed")
    for tag in sorted(new_tags - old_tags):
        ctx.add("api-tag-added", where + "/tags", f"tag {tag} added")
    if "security" in old_op or "security" in new_op:
        _compare_security(
            ctx, _l(old_op.get("security")), _l(new_op.get("security")), where + "/security", False
        )
    _compare_parameters(ctx, old_item, old_op, new_item, new_op, where)
    _compare_request_body(ctx, old_op.get("requestBody"), new_op.get("requestBody"), where)
    _compare_responses(ctx, _d(old_op.get("responses")), _d(new_op.get("responses")), where)


def _requirements(reqs: list[Any]) -> dict[frozenset[str], dict[str, set[str]]]:
    out: dict[frozenset[str], dict[str, set[str]]] = {}
    for req in reqs:
        req = _d(req)
        out[frozenset(str(k) for k in req)] = {
            str(k): {str(s) for s in _l(v)} for k, v in req.items()
        }
    return out


def _compare_security(ctx: _Ctx, old: list[Any], new: list[Any], where: str, top: bool) -> None:
    kind = "api-global-security" if top else "api-security"
    old_reqs, new_reqs = _requirements(old), _requirements(new)
    for key in old_reqs.keys() - new_reqs.keys():
        ctx.add(f"{kind}-removed", where, f"requirement {' + '.join(sorted(key)) or '{}'} removed")
    for key in new_reqs.keys() - old_reqs.keys():
        ctx.add(f"{kind}-added", where, f"requirement {' + '.join(sorted(key)) or '{}'} added")
    for key in old_reqs.keys() & new_reqs.keys():
        for scheme in sorted(key):
            added = new_reqs[key][scheme] - old_reqs[key][scheme]
            removed = old_reqs[key][scheme] - new_reqs[key][scheme]
            for scope in sorted(added):
                ctx.add(f"{kind}-scope-added", where, f"scope {scope} added to {scheme}")
            for scope in sorted(removed):
                ctx.add(f"{kind}-scope-removed", where, f"scope {scope} removed from {scheme}")


def _compare_components(ctx: _Ctx) -> None:
    old_c, new_c = _d(ctx.old.get("components")), _d(ctx.new.get("components"))
    old_s, new_s = _d(old_c.get("securitySchemes")), _d(new_c.get("securitySchemes"))
    for name in sorted(old_s.keys() - new_s.keys()):
        ctx.add(
            "api-security-component-removed",
            "/components/securitySchemes/" + _esc(name),
            f"security scheme {name} removed",
        )
    for name in sorted(new_s.keys() - old_s.keys()):
        ctx.add(
            "api-security-component-added",
            "/components/securitySchemes/" + _esc(name),
            f"security scheme {name} added",
        )
    for name in sorted(old_s.keys() & new_s.keys()):
        if _d(old_s[name]).get("type") != _d(new_s[name]).get("type"):
            ctx.add(
                "api-security-component-type-changed",
                "/components/securitySchemes/" + _esc(name),
                f"scheme {name}: type changed",
            )
    for name in sorted(_d(old_c.get("schemas")).keys() - _d(new_c.get("schemas")).keys()):
        ctx.add("api-schema-removed", "/components/schemas/" + _esc(name), f"schema {name} removed")


def _params(
    doc: dict[str, Any], item: dict[str, Any], op: dict[str, Any]
) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for source in (item.get("parameters"), op.get("parameters")):
        for raw in _l(source):
            param = _d(deref(doc, raw)[0])
            name, where = param.get("name"), param.get("in")
            if not isinstance(name, str) or not isinstance(where, str):
                continue
            out[(where, name.lower() if where == "header" else name)] = param
    return out


def _compare_parameters(
    ctx: _Ctx,
    old_item: dict[str, Any],
    old_op: dict[str, Any],
    new_item: dict[str, Any],
    new_op: dict[str, Any],
    where: str,
) -> None:
    old_p = _params(ctx.old, old_item, old_op)
    new_p = _params(ctx.new, new_item, new_op)
    for key in sorted(old_p.keys() - new_p.keys()):
        loc = f"{where}/parameters/{key[0]}/{_esc(key[1])}"
        rule = (
            "request-parameter-removed-with-deprecation"
            if old_p[key].get("deprecated") is True
            else ("request-parameter-removed")
        )
        moved = [k[0] for k in new_p if k[1] == key[1]]
        extra = f" (moved to {moved[0]})" if moved else ""
        ctx.add(rule, loc, f"{key[0]} parameter {key[1]} removed{extra}")
    for key in sorted(new_p.keys() - old_p.keys()):
        loc = f"{where}/parameters/{key[0]}/{_esc(key[1])}"
        if key[0] == "path":
            rule = "new-request-path-parameter"
        elif new_p[key].get("required") is True:
            rule = "new-required-request-parameter"
        else:
            rule = "new-optional-request-parameter"
        ctx.add(rule, loc, f"{key[0]} parameter {key[1]} added")
    for key in sorted(old_p.keys() & new_p.keys()):
        old, new = old_p[key], new_p[key]
        loc = f"{where}/parameters/{key[0]}/{_esc(key[1])}"
        label = f"{key[0]} parameter {key[1]}"
        if key[0] != "path":
            if new.get("required") is True and old.get("required") is not True:
                ctx.add("request-parameter-became-required", loc, f"{label} became required")
            elif old.get("required") is True and new.get("required") is not True:
                ctx.add("request-parameter-became-optional", loc, f"{label} became optional")
        if new.get("deprecated") is True and old.get("deprecated") is not True:
            ctx.add("request-parameter-deprecated", loc, f"{label} deprecated")
        elif old.get("deprecated") is True and new.get("deprecated") is not True:
            ctx.add("request-parameter-reactivated", loc, f"{label} reactivated")
        old_s, new_s = old.get("schema"), new.get("schema")
        if old_s is None and new_s is None:
            old_s = _first_schema(old.get("content"))
            new_s = _first_schema(new.get("content"))
        _SchemaDiff(ctx, "request", "request-parameter", "request-parameter-property").run(
            old_s, new_s, loc + "/schema", label
        )


def _first_schema(content: Any) -> Any:
    for media in _d(content).values():
        return _d(media).get("schema")
    return None


def _compare_request_body(ctx: _Ctx, old_raw: Any, new_raw: Any, where: str) -> None:
    old, _ = deref(ctx.old, old_raw)
    new, _ = deref(ctx.new, new_raw)
    old, new = _d(old), _d(new)
    loc = where + "/requestBody"
    if not old and not new:
        return
    if not old:
        rule = (
            "added-required-request-body"
            if new.get("required") is True
            else ("added-optional-request-body")
        )
        ctx.add(rule, loc, "request body added")
        return
    if not new:
        ctx.add("request-body-removed", loc, "request body removed")
        return
    if new.get("required") is True and old.get("required") is not True:
        ctx.add("request-body-became-required", loc + "/required", "request body became required")
    elif old.get("required") is True and new.get("required") is not True:
        ctx.add("request-body-became-optional", loc + "/required", "request body became optional")
    _compare_content(ctx, _d(old.get("content")), _d(new.get("content")), loc, "request")


def _compare_content(
    ctx: _Ctx, old: dict[str, Any], new: dict[str, Any], where: str, direction: str
) -> None:
    kind = "request-body-media-type" if direction == "request" else "response-media-type"
    schema_kind = (
        "request-body-media-type" if direction == "request" else ("response-body-media-type")
    )
    for media in sorted(old.keys() - new.keys()):
        ctx.add(f"{kind}-removed", f"{where}/content/{_esc(media)}", f"media type {media} removed")
    for media in sorted(new.keys() - old.keys()):
        ctx.add(f"{kind}-added", f"{where}/content/{_esc(media)}", f"media type {media} added")
    for media in sorted(old.keys() & new.keys()):
        loc = f"{where}/content/{_esc(media)}/schema"
        old_s, new_s = _d(old[media]).get("schema"), _d(new[media]).get("schema")
        if old_s is None and new_s is not None:
            ctx.add(f"{schema_kind}-schema-added", loc, f"{media}: schema added")
        elif new_s is None and old_s is not None:
            ctx.add(f"{schema_kind}-schema-removed", loc, f"{media}: schema removed")
        elif old_s is not None:
            prefix = "request" if direction == "request" else "response"
            _SchemaDiff(ctx, direction, f"{prefix}-body", f"{prefix}-property").run(
                old_s, new_s, loc, media
            )


def _compare_responses(ctx: _Ctx, old: dict[str, Any], new: dict[str, Any], where: str) -> None:
    for code in sorted(old.keys() - new.keys()):
        rule = (
            "response-success-status-removed"
            if _success(code)
            else ("response-non-success-status-removed")
        )
        ctx.add(rule, f"{where}/responses/{_esc(code)}", f"status {code} removed")
    for code in sorted(new.keys() - old.keys()):
        rule = (
            "response-success-status-added"
            if _success(code)
            else ("response-non-success-status-added")
        )
        ctx.add(rule, f"{where}/responses/{_esc(code)}", f"status {code} added")
    for code in sorted(old.keys() & new.keys()):
        loc = f"{where}/responses/{_esc(code)}"
        old_r, new_r = _d(deref(ctx.old, old[code])[0]), _d(deref(ctx.new, new[code])[0])
        _compare_headers(ctx, _d(old_r.get("headers")), _d(new_r.get("headers")), loc)
        _compare_content(ctx, _d(old_r.get("content")), _d(new_r.get("content")), loc, "response")


def _compare_headers(ctx: _Ctx, old: dict[str, Any], new: dict[str, Any], where: str) -> None:
    old_h = {k.lower(): _d(deref(ctx.old, v)[0]) for k, v in old.items()}
    new_h = {k.lower(): _d(deref(ctx.new, v)[0]) for k, v in new.items()}
    for name in sorted(old_h.keys() - new_h.keys()):
        rule = (
            "required-response-header-removed"
            if old_h[name].get("required") is True
            else ("optional-response-header-removed")
        )
        ctx.add(rule, f"{where}/headers/{_esc(name)}", f"header {name} removed")
    for name in sorted(new_h.keys() - old_h.keys()):
        ctx.add("response-header-added", f"{where}/headers/{_esc(name)}", f"header {name} added")
    for name in sorted(old_h.keys() & new_h.keys()):
        loc = f"{where}/headers/{_esc(name)}"
        if old_h[name].get("required") is True and new_h[name].get("required") is not True:
            ctx.add("response-header-became-optional", loc, f"header {name} became optional")
        _SchemaDiff(ctx, "response", "response-header", "response-property").run(
            old_h[name].get("schema"), new_h[name].get("schema"), loc + "/schema", f"header {name}"
        )


def _types(schema: dict[str, Any]) -> tuple[set[str], bool]:
    """The schema's types and whether null is allowed (3.0 ``nullable`` or 3.1 lists)."""
    raw = schema.get("type")
    types = (
        {str(t) for t in raw} if isinstance(raw, list) else {str(raw)} if raw is not None else set()
    )
    nullable = schema.get("nullable") is True or "null" in types
    types.discard("null")
    return types, nullable


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class _SchemaDiff:
    """One schema pair in one direction; ``top``/``nested`` are the rule-id prefixes."""

    def __init__(self, ctx: _Ctx, direction: str, top: str, nested: str) -> None:
        self.ctx, self.request = ctx, direction == "request"
        self.top, self.nested = top, nested

    def _emit(self, suffix: str, depth: int, loc: str, message: str) -> None:
        first, second = (self.top, self.nested) if depth == 0 else (self.nested, self.top)
        for prefix in (first, second, "request-property" if self.request else "response-property"):
            rule = f"{prefix}-{suffix}"
            if rule in RULES:
                self.ctx.add(rule, loc, message)
                return

    def run(self, old: Any, new: Any, loc: str, label: str) -> None:
        self._schema(old, new, loc, label, 0, frozenset(), False, False)

    def _schema(
        self,
        old_raw: Any,
        new_raw: Any,
        loc: str,
        label: str,
        depth: int,
        stack: frozenset[tuple[str | None, str | None]],
        read_only: bool,
        write_only: bool,
    ) -> None:
        ctx = self.ctx
        ctx.budget -= 1
        if ctx.budget < 0:
            ctx.truncated = True
            return
        if depth > MAX_DEPTH:
            return
        old, old_ref = deref(ctx.old, old_raw)
        new, new_ref = deref(ctx.new, new_raw)
        if old_ref is not None or new_ref is not None:
            pair = (old_ref, new_ref)
            if pair in stack:  # a recursive schema: this pair is already being compared
                return
            stack = stack | {pair}
            key = (pair, self.top, depth == 0, read_only, write_only)
            if key in ctx.memo:
                return
            ctx.memo.add(key)
        if not isinstance(old, dict) or not isinstance(new, dict):
            return
        if ctx.clean(old_raw, new_raw, old_ref, new_ref):
            return
        self._type(old, new, loc, label, depth)
        self._enum(old, new, loc, label, depth)
        self._bounds(old, new, loc, label, depth)
        self._pattern(old, new, loc, label, depth)
        self._default(old, new, loc, label, depth)
        self._discriminator(old, new, loc, label, depth)
        self._properties(old, new, loc, label, depth, stack)
        self._additional(old, new, loc, label, depth, stack, read_only, write_only)
        if "items" in old or "items" in new:
            self._schema(
                old.get("items"),
                new.get("items"),
                loc + "/items",
                label + "[]",
                depth + 1,
                stack,
                read_only,
                write_only,
            )
        for keyword in ("allOf", "anyOf", "oneOf"):
            self._composition(keyword, old, new, loc, label, depth, stack)
        if isinstance(old.get("not"), dict) or isinstance(new.get("not"), dict):
            pass  # `not` flips direction; oasdiff has no rule for it either

    def _type(
        self, old: dict[str, Any], new: dict[str, Any], loc: str, label: str, depth: int
    ) -> None:
        (old_t, old_null), (new_t, new_null) = _types(old), _types(new)
        old_f, new_f = _str(old.get("format")), _str(new.get("format"))
        if old_t != new_t or old_f != new_f:
            widened = self._widened(old_t, new_t, old_f, new_f)
            narrowed = self._widened(new_t, old_t, new_f, old_f)
            message = (
                f"{label}: {'/'.join(sorted(old_t)) or 'any'}{'/' + old_f if old_f else ''} → "
                f"{'/'.join(sorted(new_t)) or 'any'}{'/' + new_f if new_f else ''}"
            )
            if widened:
                self._emit("type-generalized", depth, loc + "/type", message)
            elif narrowed and not self.request:
                self._emit("type-specialized", depth, loc + "/type", message)
            else:
                self._emit("type-changed", depth, loc + "/type", message)
        if new_null and not old_null:
            self._emit("became-nullable", depth, loc + "/nullable", f"{label} became nullable")
        elif old_null and not new_null:
            self._emit("became-not-nullable", depth, loc + "/nullable", f"{label} not nullable")

    @staticmethod
    def _widened(old_t: set[str], new_t: set[str], old_f: Any, new_f: Any) -> bool:
        """Does every value of the old type/format stay valid under the new one?"""
        if not new_t:
            types_ok = True
        elif not old_t:
            return False
        else:
            types_ok = all(t in new_t or (t == "integer" and "number" in new_t) for t in old_t)
        if not types_ok:
            return False
        if old_f == new_f or new_f is None:
            return True
        if old_t != new_t and new_t and old_f is None and new_f is not None:
            return False
        return (old_f, new_f) in WIDER_FORMATS

    def _enum(
        self, old: dict[str, Any], new: dict[str, Any], loc: str, label: str, depth: int
    ) -> None:
        old_e, new_e = old.get("enum"), new.get("enum")
        if not isinstance(new_e, list):
            return
        if not isinstance(old_e, list):
            self._emit("became-enum", depth, loc + "/enum", f"{label} became an enum")
            return
        for value in new_e:
            if value not in old_e:
                self._emit(
                    "enum-value-added", depth, loc + "/enum", f"{label}: value {value!r} added"
                )
        for value in old_e:
            if value not in new_e:
                self._emit(
                    "enum-value-removed", depth, loc + "/enum", f"{label}: value {value!r} removed"
                )

    def _bounds(
        self, old: dict[str, Any], new: dict[str, Any], loc: str, label: str, depth: int
    ) -> None:
        for key, name, upper in (
            ("maximum", "max", True),
            ("minimum", "min", False),
            ("maxLength", "max-length", True),
            ("minLength", "min-length", False),
            ("maxItems", "max-items", True),
            ("minItems", "min-items", False),
        ):
            before, after = _num(old.get(key)), _num(new.get(key))
            where = f"{loc}/{key}"
            if before == after:
                continue
            if before is None:
                if key == "minLength" and after == 0:
                    continue
                self._emit(
                    f"{name}-set" if key != "minLength" else "min-length-increased",
                    depth,
                    where,
                    f"{label}: {key} set to {new.get(key)}",
                )
            elif after is None:
                if upper:
                    self._emit(
                        f"{name}-unset" if key == "maxLength" else f"{name}-increased",
                        depth,
                        where,
                        f"{label}: {key} removed",
                    )
                else:
                    self._emit(
                        f"{name}-unset" if key == "minItems" else f"{name}-decreased",
                        depth,
                        where,
                        f"{label}: {key} removed",
                    )
            else:
                grew = after > before
                self._emit(
                    f"{name}-{'increased' if grew else 'decreased'}",
                    depth,
                    where,
                    f"{label}: {key} {old.get(key)} → {new.get(key)}",
                )
        for key, name in (
            ("exclusiveMaximum", "exclusive-max"),
            ("exclusiveMinimum", "exclusive-min"),
        ):
            before_b, after_b = old.get(key), new.get(key)
            if after_b is True and before_b is not True:
                self._emit(f"{name}-set", depth, f"{loc}/{key}", f"{label}: {key} set")
            elif before_b is True and after_b is not True:
                bound = "max-increased" if name == "exclusive-max" else "min-decreased"
                self._emit(bound, depth, f"{loc}/{key}", f"{label}: {key} removed")
            elif _num(before_b) != _num(after_b) and (_num(before_b) or _num(after_b)) is not None:
                # OpenAPI 3.1 numeric exclusive bounds
                b, a = _num(before_b), _num(after_b)
                upper = name == "exclusive-max"
                if b is None:
                    self._emit(
                        "max-set" if upper else "min-set",
                        depth,
                        f"{loc}/{key}",
                        f"{label}: {key} set",
                    )
                elif a is None:
                    self._emit(
                        "max-increased" if upper else "min-decreased",
                        depth,
                        f"{loc}/{key}",
                        f"{label}: {key} removed",
                    )
                else:
                    grew = a > b
                    suffix = ("max-" if upper else "min-") + ("increased" if grew else "decreased")
                    self._emit(suffix, depth, f"{loc}/{key}", f"{label}: {key} {b} → {a}")

    def _pattern(
        self, old: dict[str, Any], new: dict[str, Any], loc: str, label: str, depth: int
    ) -> None:
        before, after = old.get("pattern"), new.get("pattern")
        if before == after:
            return
        if before is None:
            self._emit(
                "pattern-added", depth, loc + "/pattern", f"{label}: pattern {after!r} added"
            )
        elif after is None:
            self._emit("pattern-removed", depth, loc + "/pattern", f"{label}: pattern removed")
        elif after in (".*", "^.*$"):
            self._emit(
                "pattern-removed", depth, loc + "/pattern", f"{label}: pattern now {after!r}"
            )
        else:
            self._emit(
                "pattern-changed", depth, loc + "/pattern", f"{label}: {before!r} → {after!r}"
            )

    def _default(
        self, old: dict[str, Any], new: dict[str, Any], loc: str, label: str, depth: int
    ) -> None:
        if old.get("default") == new.get("default"):
            return
        suffix = (
            "default-value-added"
            if "default" not in old
            else ("default-value-removed" if "default" not in new else "default-value-changed")
        )
        self._emit(suffix, depth, loc + "/default", f"{label}: default changed")

    def _discriminator(
        self, old: dict[str, Any], new: dict[str, Any], loc: str, label: str, depth: int
    ) -> None:
        before, after = old.get("discriminator"), new.get("discriminator")
        where = loc + "/discriminator"
        if before == after:
            return
        if not isinstance(before, dict):
            self._emit("discriminator-added", depth, where, f"{label}: discriminator added")
            return
        if not isinstance(after, dict):
            self._emit("discriminator-removed", depth, where, f"{label}: discriminator removed")
            return
        if before.get("propertyName") != after.get("propertyName"):
            self._emit("discriminator-property-name-changed", depth, where, f"{label}: renamed")
        old_m, new_m = _d(before.get("mapping")), _d(after.get("mapping"))
        for key in sorted(new_m.keys() - old_m.keys()):
            self._emit("discriminator-mapping-added", depth, where, f"{label}: mapping {key} added")
        for key in sorted(old_m.keys() - new_m.keys()):
            self._emit(
                "discriminator-mapping-deleted", depth, where, f"{label}: mapping {key} removed"
            )
        for key in sorted(old_m.keys() & new_m.keys()):
            if old_m[key] != new_m[key]:
                self._emit("discriminator-mapping-changed", depth, where, f"{label}: mapping {key}")

    def _properties(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        loc: str,
        label: str,
        depth: int,
        stack: frozenset[tuple[str | None, str | None]],
    ) -> None:
        old_p, new_p = _d(old.get("properties")), _d(new.get("properties"))
        old_req = {str(r) for r in _l(old.get("required"))}
        new_req = {str(r) for r in _l(new.get("required"))}
        ctx = self.ctx
        for name in old_p.keys() | new_p.keys() | old_req | new_req:
            where = f"{loc}/properties/{_esc(name)}"
            what = f"{label}.{name}"
            o = _d(deref(ctx.old, old_p.get(name))[0]) if name in old_p else None
            n = _d(deref(ctx.new, new_p.get(name))[0]) if name in new_p else None
            ro = (n or o or {}).get("readOnly") is True
            wo = (n or o or {}).get("writeOnly") is True
            if self.request:
                if o is not None and n is None:
                    if o.get("readOnly") is not True:
                        ctx.add("request-property-removed", where, f"{what} removed")
                    continue
                if o is None and n is not None:
                    if name in new_req and not ro:
                        ctx.add("new-required-request-property", where, f"{what} added, required")
                    else:
                        ctx.add("new-optional-request-property", where, f"{what} added")
                    continue
                if o is None or n is None:
                    continue  # named in `required` only: its schema lives elsewhere (allOf)
                if name in new_req and name not in old_req and not ro:
                    ctx.add("request-property-became-required", where, f"{what} became required")
                elif name in old_req and name not in new_req:
                    ctx.add("request-property-became-optional", where, f"{what} became optional")
            else:
                if o is not None and n is None:
                    rule = (
                        "response-required-property-removed"
                        if name in old_req and not wo
                        else ("response-optional-property-removed")
                    )
                    ctx.add(rule, where, f"{what} removed")
                    continue
                if o is None and n is not None:
                    rule = (
                        "response-required-property-added"
                        if name in new_req
                        else ("response-optional-property-added")
                    )
                    ctx.add(rule, where, f"{what} added")
                    continue
                if o is None or n is None:
                    continue
                if name in old_req and name not in new_req and not wo:
                    ctx.add("response-property-became-optional", where, f"{what} became optional")
                elif name in new_req and name not in old_req:
                    ctx.add("response-property-became-required", where, f"{what} became required")
            if o is None or n is None:
                continue
            self._access(o, n, where, what, name in new_req)
            self._schema(old_p.get(name), new_p.get(name), where, what, depth + 1, stack, ro, wo)

    def _access(
        self, o: dict[str, Any], n: dict[str, Any], where: str, what: str, required: bool
    ) -> None:
        side = "request" if self.request else "response"
        req = "required" if required else "optional"
        for key, word in (("readOnly", "read-only"), ("writeOnly", "write-only")):
            before, after = o.get(key) is True, n.get(key) is True
            if before == after:
                continue
            state = word if after else f"non-{word}"
            self.ctx.add(
                f"{side}-{req}-property-became-{state}", where + "/" + key, f"{what} became {state}"
            )

    def _additional(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        loc: str,
        label: str,
        depth: int,
        stack: frozenset[tuple[str | None, str | None]],
        read_only: bool,
        write_only: bool,
    ) -> None:
        before, after = old.get("additionalProperties"), new.get("additionalProperties")
        where = loc + "/additionalProperties"
        if before == after:
            return
        if isinstance(before, dict) and isinstance(after, dict):
            self._schema(
                before, after, where, label + "{}", depth + 1, stack, read_only, write_only
            )
            return
        open_before = before is not False
        open_after = after is not False
        if open_before and not open_after:
            self._emit(
                "additional-properties-narrowed", depth, where, f"{label}: no extra properties"
            )
        elif open_after and not open_before:
            self._emit(
                "additional-properties-widened", depth, where, f"{label}: extra properties allowed"
            )

    def _composition(
        self,
        keyword: str,
        old: dict[str, Any],
        new: dict[str, Any],
        loc: str,
        label: str,
        depth: int,
        stack: frozenset[tuple[str | None, str | None]],
    ) -> None:
        old_l, new_l = _l(old.get(keyword)), _l(new.get(keyword))
        if not old_l and not new_l:
            return
        name = {"allOf": "all-of", "anyOf": "any-of", "oneOf": "one-of"}[keyword]
        where = f"{loc}/{keyword}"
        old_keys = [self._key(s, i) for i, s in enumerate(old_l)]
        new_keys = [self._key(s, i) for i, s in enumerate(new_l)]
        unmatched_old = [i for i, k in enumerate(old_keys) if k not in new_keys]
        unmatched_new = [i for i, k in enumerate(new_keys) if k not in old_keys]
        # inline subschemas carry no name: pair the leftovers in order and compare them
        pairs = list(zip(unmatched_old, unmatched_new, strict=False))
        for i, j in pairs:
            if old_keys[i][0] == "inline" and new_keys[j][0] == "inline":
                self._schema(
                    old_l[i], new_l[j], f"{where}/{j}", label, depth + 1, stack, False, False
                )
            else:
                self._emit(
                    f"{name}-removed", depth, f"{where}/{i}", f"{label}: {keyword} member removed"
                )
                self._emit(
                    f"{name}-added", depth, f"{where}/{j}", f"{label}: {keyword} member added"
                )
        for i in unmatched_old[len(pairs) :]:
            self._emit(
                f"{name}-removed", depth, f"{where}/{i}", f"{label}: {keyword} member removed"
            )
        for j in unmatched_new[len(pairs) :]:
            self._emit(f"{name}-added", depth, f"{where}/{j}", f"{label}: {keyword} member added")
        for i, key in enumerate(old_keys):
            if key in new_keys:
                j = new_keys.index(key)
                self._schema(
                    old_l[i], new_l[j], f"{where}/{j}", label, depth + 1, stack, False, False
                )

    @staticmethod
    def _key(schema: Any, index: int) -> tuple[str, str]:
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            return ("ref", schema["$ref"].rsplit("/", 1)[-1])
        if isinstance(schema, dict) and isinstance(schema.get("title"), str):
            return ("title", schema["title"])
        return ("inline", str(index))


def iter_levels(changes: list[Change]) -> Iterator[str]:
    yield from (c.level for c in changes)

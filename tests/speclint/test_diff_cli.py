"""speclint diff on the command line: exit codes, formats, sources, approvals, loose input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from speclint.diff.cli import run
from speclint.diff.compare import compare
from tests.speclint.diff.cases import base

REPO = Path(__file__).resolve().parents[2]


def _write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path, dict[str, Any]]:
    new = base()
    new["paths"].pop("/other")
    return _write(tmp_path / "old.yaml", base()), tmp_path / "new.yaml", new


def test_breaking_change_exits_1_in_every_format(
    pair: tuple[Path, Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new_path, new = pair
    _write(new_path, new)
    assert run([str(old), str(new_path)]) == 1
    text = capsys.readouterr().out
    assert (
        "error [api-path-removed-without-deprecation] /paths/~1other: path /other removed" in text
    )
    assert run([str(old), str(new_path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data == [
        {
            "id": "api-path-removed-without-deprecation",
            "level": "error",
            "operation": "",
            "location": "/paths/~1other",
            "message": "path /other removed",
        }
    ]
    assert run([str(old), str(new_path), "--format", "markdown"]) == 1
    markdown = capsys.readouterr().out
    assert markdown.startswith("### Spec change review\n\n1 breaking, 0 warning(s), 0 info\n")
    assert "| 🔴 error | `api-path-removed-without-deprecation` |" in markdown


def test_no_change_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _write(tmp_path / "old.yaml", base())
    assert run([str(old), str(old)]) == 0
    assert capsys.readouterr().out == "speclint diff: 0 breaking, 0 warning(s), 0 info\n"


def test_warning_fails_only_with_fail_on_warn(tmp_path: Path) -> None:
    new = base()
    new["components"]["schemas"]["Item"]["properties"].pop("kind")  # request-property-removed
    old, new_path = _write(tmp_path / "o.yaml", base()), _write(tmp_path / "n.yaml", new)
    assert run([str(old), str(new_path)]) == 0
    assert run([str(old), str(new_path), "--fail-on", "warn"]) == 1


def test_approved_breaking_change_passes(
    pair: tuple[Path, Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new_path, new = pair
    new["x-breaking-changes"] = [
        {
            "id": "api-path-removed-without-deprecation",
            "location": "/paths/~1other",
            "reason": "never served",
        }
    ]
    _write(new_path, new)
    assert run([str(old), str(new_path)]) == 0
    assert "error (approved) [api-path-removed-without-deprecation]" in capsys.readouterr().out
    new["x-breaking-changes"][0]["location"] = "/paths/~1elsewhere"  # approval of another place
    _write(new_path, new)
    assert run([str(old), str(new_path)]) == 1


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path / "good.yaml", base())
    assert run([str(good)]) == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: [unclosed\n", encoding="utf-8")
    assert run([str(good), str(bad)]) == 2
    assert "not valid YAML or JSON" in capsys.readouterr().err
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n", encoding="utf-8")
    assert run([str(good), str(scalar)]) == 2
    assert run([str(good), str(tmp_path / "missing.yaml")]) == 2
    assert run([str(good), "git:no-such-ref-xyz:specs/zipteams.yaml"]) == 2
    assert run([str(good), "git:HEAD"]) == 2
    assert "expected git:REF:path" in capsys.readouterr().err


def test_git_source_reads_a_committed_spec(capsys: pytest.CaptureFixture[str]) -> None:
    spec = REPO / "specs" / "zipteams.yaml"
    result = subprocess.run(
        [sys.executable, "-m", "speclint", "diff", "git:HEAD:specs/zipteams.yaml", str(spec)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    assert "speclint diff:" in result.stdout


def test_loose_documents_warn_and_are_compared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = {
        "openapi": "3.0.0",
        "paths": {"/a": {"get": {"responses": {200: {"description": 1}}}}, "/b": "not a path item"},
    }
    new = {"openapi": "3.0.0", "paths": {"/b": {"get": {"parameters": "oops", "responses": []}}}}
    o, n = _write(tmp_path / "o.yaml", old), _write(tmp_path / "n.yaml", new)
    assert run([str(o), str(n)]) == 1
    captured = capsys.readouterr()
    assert "not a valid OpenAPI 3.0 document" in captured.err
    assert "[api-path-removed-without-deprecation]" in captured.out


@pytest.mark.parametrize(
    "doc",
    [
        {"swagger": "2.0", "paths": {"/a": {"get": {"parameters": [{"name": "x", "in": "body"}]}}}},
        {
            "openapi": "3.1.0",
            "paths": {
                "/a": {
                    "get": {
                        "responses": {
                            "200": {
                                "content": {
                                    "application/json": {
                                        "schema": {
                                            "type": ["string", "null"],
                                            "exclusiveMaximum": 3,
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            },
        },
    ],
)
def test_other_versions_warn_and_do_not_crash(
    tmp_path: Path, doc: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "d.yaml", doc)
    empty = _write(tmp_path / "e.yaml", {"openapi": "3.0.3", "paths": {}})
    assert run([str(path), str(empty)]) == 1  # every path removed
    assert "compared" in capsys.readouterr().err


def test_cycles_terminate() -> None:
    def doc(extra: dict[str, Any]) -> dict[str, Any]:
        return {
            "openapi": "3.0.3",
            "paths": {
                "/n": {
                    "post": {
                        "requestBody": {
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/A"}}
                            }
                        },
                        "responses": {},
                    }
                }
            },
            "components": {
                "schemas": {
                    "A": {
                        "type": "object",
                        "properties": {"b": {"$ref": "#/components/schemas/B"}, **extra},
                    },
                    "B": {
                        "type": "object",
                        "properties": {"a": {"$ref": "#/components/schemas/A"}},
                        "allOf": [{"$ref": "#/components/schemas/A"}],
                    },
                    "L": {"$ref": "#/components/schemas/L"},  # a $ref loop
                    "M": {"properties": {"l": {"$ref": "#/components/schemas/L"}}},
                }
            },
        }

    changes, _ = compare(doc({}), doc({"z": {"type": "string"}}))
    assert {c.id for c in changes} == {"new-optional-request-property"}
    # the property appears once per way it is reachable before the cycle closes
    assert len(changes) >= 1


def test_journal_replay_counts_rejected_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = base()
    new["components"]["schemas"]["Item"]["properties"]["kind"]["enum"] = ["a"]
    o, n = _write(tmp_path / "o.yaml", base()), _write(tmp_path / "n.yaml", new)
    journal = tmp_path / "journal.json"
    journal.write_text(
        json.dumps(
            {
                "entries": [
                    {
                        "method": "POST",
                        "path": "/items/7",
                        "query": "",
                        "headers": {},
                        "body": {"name": "x", "kind": "b"},
                    },
                    {
                        "method": "POST",
                        "path": "/items/8",
                        "query": "",
                        "headers": {},
                        "body": {"name": "x", "kind": "a"},
                    },
                    {
                        "method": "GET",
                        "path": "/items/8",
                        "query": "limit=7",
                        "headers": {},
                        "body": None,
                    },
                    {
                        "method": "GET",
                        "path": "/items/8",
                        "query": "limit=10",
                        "headers": {},
                        "body": None,
                    },
                    {
                        "method": "DELETE",
                        "path": "/nowhere",
                        "query": "",
                        "headers": {},
                        "body": None,
                    },
                ]
            }
        ),
        encoding="utf-8",
    )
    assert run([str(o), str(n), "--journal", str(journal)]) == 1
    out = capsys.readouterr().out
    # only what the change breaks: the GET with limit=7 and the DELETE of a path neither spec
    # has were never valid (a journal holds other APIs' requests and refused ones too)
    assert (
        "the new spec would reject 1 of the 3 request(s) the old spec accepts "
        "(2 recorded request(s) the old spec already rejects left out)"
    ) in out, out
    assert "  POST /items/{id}: 1" in out
    assert "GET /items/{id}: " not in out and "DELETE /nowhere" not in out
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert run([str(o), str(n), "--journal", str(bad)]) == 2


def test_real_specs_compare_clean_with_themselves() -> None:
    for spec in sorted((REPO / "specs").glob("*.yaml")):
        if spec.name == "sandbox-credentials.yaml":
            continue
        assert run([str(spec), str(spec)]) == 0


def test_rule_catalogue_doc_is_in_sync() -> None:
    from speclint.diff.cli import rules_markdown

    assert (REPO / "specs" / "DIFF-RULES.md").read_text(encoding="utf-8") == rules_markdown()


def test_large_densely_linked_document_stays_fast_and_finds_the_change() -> None:
    import copy
    import time

    schemas = {
        f"S{i}": {
            "type": "object",
            "properties": {
                "a": {"type": "string", "maxLength": 10},
                **{
                    f"p{j}": {"$ref": f"#/components/schemas/S{(i * 7 + j) % 200}"}
                    for j in range(6)
                },
            },
        }
        for i in range(200)
    }
    paths = {
        f"/r{i}": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/S{i % 200}"}}
                    }
                },
                "responses": {
                    "200": {
                        "description": "x",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": f"#/components/schemas/S{(i + 3) % 200}"}
                            }
                        },
                    }
                },
            }
        }
        for i in range(400)
    }
    old = {"openapi": "3.0.3", "paths": paths, "components": {"schemas": schemas}}
    new = copy.deepcopy(old)
    new["components"]["schemas"]["S5"]["properties"]["a"]["maxLength"] = 5
    start = time.monotonic()
    changes, _ = compare(old, new)
    assert time.monotonic() - start < 30
    assert {c.id for c in changes} == {
        "request-property-max-length-decreased",
        "response-property-max-length-decreased",
    }
    assert compare(old, copy.deepcopy(old)) == ([], [])


def test_yaml_alias_cycles_and_bombs_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path / "good.yaml", base())
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text("openapi: 3.0.3\npaths: &a\n  /x: *a\n", encoding="utf-8")
    assert run([str(good), str(cycle)]) == 2
    bomb = tmp_path / "bomb.yaml"
    lines = ["openapi: 3.0.3", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run([str(good), str(bomb)]) == 2
    assert "aliases are expanded" in capsys.readouterr().err

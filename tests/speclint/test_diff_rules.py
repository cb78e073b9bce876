"""speclint diff: each rule's fixture pair yields its id and level; safe pairs never break."""

from __future__ import annotations

import pytest

from speclint.diff.catalogue import ERROR, RULES
from speclint.diff.compare import Change, compare
from tests.speclint.diff.cases import BREAKING, SAFE, Edit, base


def _changes(edit: Edit) -> list[Change]:
    new = base()
    edit(new)
    changes, notes = compare(base(), new)
    assert notes == []
    return changes


def test_the_base_equals_itself() -> None:
    assert compare(base(), base()) == ([], [])


def test_at_least_as_many_safe_pairs_as_breaking_ones() -> None:
    assert len(SAFE) >= len(BREAKING)


@pytest.mark.parametrize(("rule_id", "edit"), BREAKING, ids=[c[0] for c in BREAKING])
def test_breaking_pair(rule_id: str, edit: Edit) -> None:
    assert RULES[rule_id][0] == ERROR
    found = {(c.id, c.level) for c in _changes(edit)}
    assert (rule_id, ERROR) in found, found


@pytest.mark.parametrize(("rule_id", "edit"), SAFE, ids=[c[0] for c in SAFE])
def test_safe_pair(rule_id: str, edit: Edit) -> None:
    assert RULES[rule_id][0] != ERROR
    changes = _changes(edit)
    assert rule_id in {c.id for c in changes}, changes
    assert [c for c in changes if c.level == ERROR] == []


def test_removing_is_the_mirror_of_adding() -> None:
    """Direction: the same edit reversed flips a safe request change into a breaking one."""
    added = base()
    added["components"]["schemas"]["Item"]["properties"]["kind"]["enum"].append("c")
    forward, _ = compare(base(), added)
    backward, _ = compare(added, base())
    assert {c.id for c in forward} == {"request-property-enum-value-added"}
    assert {(c.id, c.level) for c in backward} == {("request-property-enum-value-removed", ERROR)}


def test_every_rule_id_is_kebab_case_with_a_level() -> None:
    for rule_id, (level, meaning) in RULES.items():
        assert rule_id == rule_id.lower() and " " not in rule_id
        assert level in {"error", "warning", "info"} and meaning


def test_required_name_without_a_property_schema_is_not_a_change() -> None:
    new = base()
    new["components"]["schemas"]["Item"]["required"].append("defined-in-another-allof-member")
    assert compare(base(), new) == ([], [])


def test_format_date_to_date_time_breaks_both_ways() -> None:
    old, new = base(), base()
    old["components"]["schemas"]["Out"]["properties"]["name"]["format"] = "date"
    new["components"]["schemas"]["Out"]["properties"]["name"]["format"] = "date-time"
    assert {(c.id, c.level) for c in compare(old, new)[0]} == {
        ("response-property-type-changed", ERROR)
    }

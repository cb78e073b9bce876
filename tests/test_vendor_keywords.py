"""One table per vendor keyword (vendor_keywords/): every package that acts on the keywords has
an implementation for each row, so a keyword added to the table fails here, naming the place
still to write, instead of being silently ignored by one of them."""

from __future__ import annotations

from pathlib import Path

import pytest

import vendor_keywords
from contract_tests import documented, vendor_rules
from mock_server.checks import validation
from speclint import schema as speclint_schema
from speclint.rules import keywords as speclint_keywords
from vendor_keywords import INSTANCE_KEYWORDS, KEYWORDS, NAMES, missing

ROOT = Path(__file__).resolve().parent.parent

IMPLEMENTATIONS = [
    (
        "mock_server.checks.validation.INSTANCE_CHECKS",
        validation.INSTANCE_CHECKS,
        INSTANCE_KEYWORDS,
    ),
    ("mock_server.checks.validation.FAST_KEYWORDS", validation.FAST_KEYWORDS, INSTANCE_KEYWORDS),
    ("speclint.schema.INSTANCE_CHECKS", speclint_schema.INSTANCE_CHECKS, INSTANCE_KEYWORDS),
    ("speclint.rules.keywords.SHAPE_CHECKS", speclint_keywords.SHAPE_CHECKS, NAMES),
    ("contract_tests.vendor_rules.REPAIRS", vendor_rules.REPAIRS, INSTANCE_KEYWORDS),
]


@pytest.mark.parametrize(("where", "implemented", "wanted"), IMPLEMENTATIONS, ids=lambda x: x)
def test_every_keyword_of_the_table_is_implemented(
    where: str, implemented: dict[str, object], wanted: frozenset[str]
) -> None:
    assert missing(implemented, wanted) == [], f"{where} lacks {missing(implemented, wanted)}"
    assert set(implemented) <= NAMES, f"{where} implements keywords the table does not list"


def test_missing_names_what_is_absent() -> None:
    assert missing({"x-after": 1}, {"x-after", "x-new"}) == ["x-new"]


def test_each_keyword_is_documented_for_spec_authors() -> None:
    conventions = (ROOT / "specs" / "README.md").read_text()
    for keyword in KEYWORDS:
        assert f"`{keyword.name}:" in conventions, keyword.name


def test_the_consumers_read_the_table_not_their_own_lists() -> None:
    assert vendor_rules.VENDOR_KEYWORDS is vendor_keywords.INSTANCE_KEYWORDS
    # documented.py builds one negative case per instance keyword the example reaches
    sites = list(
        documented._rule_sites(
            {"x-after": {"b": "a"}, "properties": {"l": {"x-unique-by": "/id", "items": {}}}},
            {"l": [{"id": 1}]},
        )
    )
    assert {keyword for keyword, _, _ in sites} == INSTANCE_KEYWORDS

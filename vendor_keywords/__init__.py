"""The specs' vendor keywords: one row per keyword (specs/README.md, "vendor keywords").

Rules the partner docs state but JSON Schema cannot say are written into the specs as ``x-``
keywords. Three packages act on each one: the mock's validator (``mock_server.checks.validation``),
the spec linter (``speclint.schema`` checks examples, ``speclint.rules.keywords`` checks the
keyword's own shape) and the contract suite (``contract_tests.vendor_rules`` repairs positive
cases, ``contract_tests.documented`` builds negative ones). Each of them reads the keyword names
from this table and keeps its implementations in a map keyed by them;
``tests/test_vendor_keywords.py`` fails, naming the place, when a row here lacks one.

Adding a keyword: a row here, its line in specs/README.md, then what that test names.

This package imports nothing of ours, so both ``mock_server`` and ``speclint`` may import it
while ``speclint`` still never imports ``mock_server`` (ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

X_AFTER = "x-after"
X_UNIQUE_BY = "x-unique-by"
X_CSV_ROWS = "x-csv-rows"


@dataclass(frozen=True)
class VendorKeyword:
    name: str
    sits_on: Literal["object", "array", "upload"]  # the schema it belongs in
    value: str  # what the keyword's value looks like
    meaning: str
    # True: a JSON-Schema keyword judged over the instance (request bodies, examples) by the
    # validators' extension maps; False: judged on an uploaded file's content, by hand.
    instance: bool


KEYWORDS: tuple[VendorKeyword, ...] = (
    VendorKeyword(
        X_AFTER,
        "object",
        "a mapping {<later>: <earlier>} of date-time properties",
        "date-time property <later> must be after <earlier>",
        instance=True,
    ),
    VendorKeyword(
        X_UNIQUE_BY,
        "array",
        "a JSON pointer such as /call/id",
        "array items must differ at that pointer (absent or null never collides)",
        instance=True,
    ),
    VendorKeyword(
        X_CSV_ROWS,
        "upload",
        "a mapping {header, pattern, min_rows, example}",
        "an uploaded CSV's data rows: first cells match pattern, at least min_rows of them",
        instance=False,
    ),
)

BY_NAME: Mapping[str, VendorKeyword] = {k.name: k for k in KEYWORDS}
NAMES: frozenset[str] = frozenset(BY_NAME)
INSTANCE_KEYWORDS: frozenset[str] = frozenset(k.name for k in KEYWORDS if k.instance)


def missing(implementations: Mapping[str, Any], wanted: Collection[str]) -> list[str]:
    """The keywords of ``wanted`` that ``implementations`` has no entry for, sorted."""
    return sorted(set(wanted) - set(implementations))

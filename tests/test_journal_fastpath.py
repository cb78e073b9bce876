"""The journal's one-scan redaction (journal._redact_document) masks exactly what the walk
(journal._redact_json) masks, on any JSON document, and never hands back the object it was
given."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server import journal

# Keys and strings drawn partly from secret-looking pieces, so both paths are exercised.
_PIECES = st.sampled_from(
    ["api", "Key", "-", "_", "pass", "Word", "tok", "en", "https://", "u:p@", "@", "x", "/", " "]
)
_TEXT = st.one_of(st.text(max_size=12), st.lists(_PIECES, max_size=5).map("".join))
_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False,
    allow_infinity=False), _TEXT,
)  # fmt: skip
_JSON = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_one_scan_masks_what_the_walk_masks(document: Any) -> None:
    assert journal._redact_document(document) == journal._redact_json(document)


def test_a_clean_document_comes_back_as_a_copy() -> None:
    document = {"data": [{"call": {"id": "c1", "url": "https://example.com/a.mp3"}}]}
    redacted = journal._redact_document(document)
    assert redacted == document
    assert redacted is not document and redacted["data"] is not document["data"]


def test_a_secret_anywhere_is_masked() -> None:
    document = {"data": [{"meta": {"x-Api_Key": "sk-1234567890abcdef"}}], "u": "ftp://a:b@h/"}
    redacted = journal._redact_document(document)
    assert redacted["data"][0]["meta"]["x-Api_Key"] == "****cdef"
    assert redacted["u"] == "ftp://****@h/"

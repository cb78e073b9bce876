"""mock_server.core.pointers.lookup answers as jsonpointer.resolve_pointer does, on any JSON."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonpointer import EndOfList, resolve_pointer

from mock_server.core.pointers import lookup

_PART = st.sampled_from(["a", "0", "1", "01", "-", "", "~0", "~1", "b~1c", "10", "²"])
_JSON = st.recursive(
    st.none() | st.integers() | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_PART, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(_JSON, st.lists(_PART, max_size=4))
def test_lookup_agrees_with_jsonpointer(document: Any, parts: list[str]) -> None:
    pointer = "".join("/" + p for p in parts)
    ours, theirs = (
        lookup(document, pointer, "missing"),
        resolve_pointer(document, pointer, "missing"),
    )
    if isinstance(theirs, EndOfList):  # "-" on a list: a fresh marker object each time
        assert isinstance(ours, EndOfList) and ours.list_ is theirs.list_
    else:
        assert ours == theirs

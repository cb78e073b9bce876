"""validation.parse_body (orjson first) gives exactly what the standard-library parse with the
strict rules gives (strict_json of the decoded text): the same value, of the same types and key
order, or the same refusal, on any body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.checks.validation import parse_body, strict_json
from mock_server.core.problems import Rejection

_SCALAR = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**80), 2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=6)
)
_DOC = st.recursive(
    _SCALAR,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=25,
)


def outcome(parse: Any, raw: bytes) -> Any:
    try:
        value = parse(raw)
    except Rejection as exc:
        return ("rejection", exc.situation, [p.path for p in exc.problems])
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError among them
        return ("error", type(exc).__name__)
    try:
        return ("value", repr(value))
    except RecursionError:  # parsed, but too deep for repr: a value all the same
        return ("value", "too deep to show")


def agree(text: str | bytes) -> None:
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    ours = outcome(lambda r: parse_body(r, "utf-8"), raw)
    assert ours == outcome(lambda r: strict_json(r.decode("utf-8")), raw), raw


@settings(max_examples=400, deadline=None)
@given(_DOC)
def test_any_document_parses_alike(document: Any) -> None:
    agree(json.dumps(document))  # NaN and Infinity come out as the literals the rules refuse


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]",:0123456789.-+eE tfnrulasNIy\\u\n', max_size=30))
def test_any_text_parses_alike(text: str) -> None:
    agree(text)


@pytest.mark.parametrize(
    "text",
    [
        "-9999999999999999999",  # past 64 bits signed: orjson would read a float
        "18446744073709551616",
        '{"a": 1, "b": 2, "a": 3}',  # duplicates: the last wins, in the first one's place
        "[" * 600 + "]" * 600,  # many brackets: the standard library's depth rules
        "[" * 1000 + "]" * 1000,  # deeper than the standard library goes, not than orjson
        "[" * 5000 + "]" * 5000,
        '{"x": 1e400}',
        '"\\ud800"',
        "\ufeff{}",
        '{"n": -0.0, "m": -0}',
        b'{"a": "\xff"}',  # not UTF-8
        b"\xef\xbb\xbf{}",  # a byte-order mark
        '{"phone": "+919812345678", "id": "1234567890123456789"}',  # 19 digits in a string
    ],
    ids=lambda text: repr(text)[:40],  # short, and str (test ids are not escaped here)
)
def test_edge_texts_parse_alike(text: str | bytes) -> None:
    agree(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_any_bytes_parse_alike(raw: bytes) -> None:
    agree(raw)

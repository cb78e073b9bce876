"""The journal redacts only as much of a body as it keeps (journal._redact_within): what it
stores is exactly the whole redacted document (journal._redact_json), or that document's
compact UTF-8 JSON cut at the limit (a character the cut splits is dropped), on any JSON
document and any limit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mock_server.state import journal

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


@settings(max_examples=400, deadline=None)
@given(_JSON, st.integers(0, 120))
def test_what_is_kept_is_the_whole_redaction_or_its_cut(document: Any, limit: int) -> None:
    assume(document is not None)  # a bare null is journaled as a preview, like non-JSON
    raw = json.dumps(document).encode()
    kept = journal.redact_body(raw, limit)
    whole = journal._redact_json(document)
    text = journal.json_bytes(whole)
    if len(text) <= limit:
        assert kept == whole
    else:
        assert (
            kept
            == text[:limit].decode(errors="ignore") + f"…[truncated: a body of {len(raw)} bytes]"
        )


def test_a_long_batch_is_cut_with_its_secrets_masked() -> None:
    items = [{"id": f"c{i}", "meta": {"x-Api_Key": "sk-1234567890abcdef"}} for i in range(200)]
    raw = json.dumps({"data": items}).encode()
    kept = journal.redact_body(raw, 2048)
    assert isinstance(kept, str) and kept.endswith(f"[truncated: a body of {len(raw)} bytes]")
    assert "sk-1234567890" not in kept and "****cdef" in kept
    assert len(kept.encode()) < 2048 + 100


def test_a_short_body_is_kept_whole_and_masked() -> None:
    body = {"data": [{"meta": {"x-Api_Key": "sk-1234567890abcdef"}}], "u": "ftp://a:b@h/"}
    kept = journal.redact_body(json.dumps(body).encode(), 2048)
    assert kept == {"data": [{"meta": {"x-Api_Key": "****cdef"}}], "u": "ftp://****@h/"}


def test_json_bytes_writes_what_orjson_refuses_as_the_standard_library_would() -> None:
    deep: list[Any] = []
    inner = deep
    for _ in range(300):  # past orjson's 254 levels
        inner.append([])
        inner = inner[0]
    for value in ({"n": 2**70, "x": 1.5, "s": "é"}, {"d": deep}):
        expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        assert journal.json_bytes(value) == expected


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"password": "hunter2", "to": "+1"}).encode("utf-16"),
        b"\xef\xbb\xbf" + json.dumps({"to": "+1"}).encode(),
    ],
    ids=["utf-16", "utf-8-bom"],
)
def test_a_body_the_apis_refuse_as_malformed_is_not_shown_as_good_json(raw: bytes) -> None:
    """The APIs read UTF-8 JSON only and answer these "malformed"; the journal showed them
    decoded (json.loads of bytes takes UTF-16 and a BOM), as if they had been fine."""
    kept = journal.redact_body(raw, 2048)
    assert set(kept) == {"size", "sha256", "preview"}, kept
    assert kept["size"] == len(raw)
    assert '"to": "+1"' in kept["preview"], kept  # read as the text it is
    assert "hunter2" not in json.dumps(kept).replace("\\u0000", ""), kept  # and masked


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_secret_in_a_body_kept_unparsed_is_masked_whatever_its_unicode_encoding(
    encoding: str,
) -> None:
    raw = json.dumps({"password": "hunter2-plain-password", "api_key": "k-123456789"}).encode(
        encoding
    )
    kept = journal.redact_body(raw, 2048)
    shown = json.dumps(kept).replace("\\u0000", "")
    assert "hunter2" not in shown and "k-123456789" not in shown, kept

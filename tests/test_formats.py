"""Formats are really checked: the hand-written email check and the libraries' uri/date-time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.checks.validation import compiled, is_email


@pytest.mark.parametrize(
    "value", ["agent@example.com", "0@0.com", "z`zg9e@ez.bzha81e1.test", "a.b+c@sub.example.co.uk"]
)
def test_valid_emails_pass(value: str) -> None:
    assert is_email(value)


@pytest.mark.parametrize(
    "value",
    [
        "a@b",
        "nope",
        "a b@c.com",
        "a..b@c.com",
        ".a@c.com",
        "a@-c.com",
        "a@c..com",
        "@c.com",
        "x" * 65 + "@c.com",
    ],
)
def test_invalid_emails_fail(value: str) -> None:
    assert not is_email(value)


@given(st.emails())
@settings(max_examples=300, database=None, derandomize=True)
def test_every_generated_email_passes(value: str) -> None:
    assert is_email(value)


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        ("uri", "https://example.com/a.mp3", "https://exa mple.com"),
        ("date-time", "2023-01-01T10:00:00Z", "2023-02-30T10:00:00Z"),
        ("uuid", "550e8400-e29b-41d4-a716-446655440000", "550e8400"),
        ("email", "a@example.com", "a@b"),
    ],
)
def test_request_validator_checks_formats(fmt: str, good: str, bad: str) -> None:
    validator = compiled({"type": "string", "format": fmt})
    assert list(validator.iter_errors(good)) == []
    assert [e.validator for e in validator.iter_errors(bad)] == ["format"]

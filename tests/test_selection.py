"""Prefer / __code selection: a repeated selector means its first value, everywhere."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from mock_server.rules.selection import Preference, parse_preference


def test_repeated_query_code_takes_the_first_value() -> None:
    query = QueryParams(b"__code=429&__code=500")
    assert parse_preference(None, query) == Preference("429", None)


def test_repeated_query_example_takes_the_first_value() -> None:
    query = QueryParams(b"__example=first&__example=second")
    assert parse_preference(None, query) == Preference(None, "first")


def test_repeated_key_inside_prefer_takes_the_first_value() -> None:
    assert parse_preference("code=429, code=500", QueryParams(b"")) == Preference("429", None)


def test_query_still_beats_prefer() -> None:
    query = QueryParams(b"__code=422")
    assert parse_preference("code=429", query) == Preference("422", None)

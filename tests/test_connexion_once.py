"""The fenced connexion workaround (mock_server/connexion_once.py): under AsyncApp each
operation decorates its handler once, not on every request, and answers stay what connexion's
own chain would give (parameters parsed, the handler's result serialized)."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from connexion.decorators import StarletteDecorator

from mock_server import connexion_once
from tests.conftest import make_mock
from tests.mock.test_360dialog import KEY, OWN


def test_the_handler_chain_is_built_once_per_operation(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    original = StarletteDecorator.decorate

    def counting(self: StarletteDecorator, fn: Any) -> Any:
        calls.append(fn)
        return original(self, fn)

    monkeypatch.setattr(StarletteDecorator, "decorate", counting)
    mock = make_mock(app_kind="async")
    answers = [mock.request("GET", OWN, headers=KEY) for _ in range(3)]
    assert [r.status_code for r in answers] == [200] * 3
    assert answers[0].json()["id"] == OWN.rsplit("/", 1)[1]
    # the operation reached its handler three times: decorated once, and only it
    assert len(calls) == 1


def test_an_unchecked_connexion_version_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importlib.metadata.version", lambda name: "9.0.0")
    with pytest.raises(ImportError, match=re.escape("verified against connexion 3.3.x, not 9.0.0")):
        importlib.reload(connexion_once)
    monkeypatch.undo()
    importlib.reload(connexion_once)  # leave the real module loaded for the other tests
    assert connexion_once.CONNEXION_VERSION.startswith(connexion_once.CHECKED)

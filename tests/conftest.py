"""Shared fixtures: the mock in-process (both connexion app kinds), reset before every test."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from mock_server.asgi.app import build_app
from mock_server.core.config import Config
from mock_server.rules.auth import Principal
from mock_server.world.runtime import Runtime, build_runtime

ROOT = Path(__file__).resolve().parent.parent
CREDENTIALS = yaml.safe_load((ROOT / "specs" / "sandbox-credentials.yaml").read_text())


def ns(api: str, credential: str, *partition: str) -> str:
    """A principal's state namespace in ``api`` (as the mock keys its store)."""
    return Principal(credential, partition).namespace(api)


class Mock:
    """A running in-process mock: an HTTP client plus the runtime behind it."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.client = TestClient(build_app(runtime), raise_server_exceptions=False)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.client.request(method, url, **kwargs)


def make_mock(**overrides: Any) -> Mock:
    return Mock(build_runtime(Config(jwt_secret="test-secret", **overrides)))


def mock_with_credential(
    api: str, credential: dict[str, Any], folder: Path, **overrides: Any
) -> Mock:
    """A mock whose credentials file is the sandbox one plus ``credential`` for ``api``."""
    credentials = copy.deepcopy(CREDENTIALS)
    credentials[api].append(credential)
    path = folder / "credentials.yaml"
    path.write_text(yaml.safe_dump(credentials))
    return make_mock(credentials=path, **overrides)


@pytest.fixture(scope="session", params=["async", "flask"])
def _session_mock(request: pytest.FixtureRequest) -> Mock:
    return make_mock(app_kind=request.param)


@pytest.fixture
def mock(_session_mock: Mock) -> Iterator[Mock]:
    """The mock under both app kinds, with state, limits and journal cleared."""
    _session_mock.runtime.reset()
    yield _session_mock


@pytest.fixture(scope="session")
def async_mock() -> Mock:
    return make_mock(app_kind="async")


@pytest.fixture
def fresh(async_mock: Mock) -> Mock:
    async_mock.runtime.reset()
    return async_mock


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One real redis-server for the session (tests/redis_server.py), stopped by PID."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: Any) -> str:
    """The session's Redis, emptied."""
    import redis

    redis.Redis.from_url(redis_server.url).flushdb()
    return str(redis_server.url)

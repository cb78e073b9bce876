"""``python -m mock_server.check [mock options]``: load every profile and spec exactly as the
server would at start-up, and say whether it can be served (exit 0) or what is wrong (exit 1).
``make lint`` runs it, so a profile mistake is found before anyone starts the mock."""

from __future__ import annotations

import os
import sys
import warnings

from mock_server.core.config import from_sources
from mock_server.core.profile import ProfileError


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from mock_server.asgi.app import build_app
    from mock_server.world.runtime import build_runtime

    config = from_sources(sys.argv[1:] if argv is None else argv, os.environ)
    try:
        runtime = build_runtime(config)
        build_app(runtime)
    except ProfileError as exc:
        print(exc, file=sys.stderr)
        return 1
    names = ", ".join(api.name for api in runtime.apis)
    print(f"mock_server.check: {len(runtime.apis)} profile(s) can be served ({names})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

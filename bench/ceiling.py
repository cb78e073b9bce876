"""The ceiling: a bare Starlette app answering each case with the mock's own canned answer.

No validation, no auth, no state: it reads the request body and returns pre-encoded bytes. It is
served exactly like the mock (uvicorn, one worker, same loop and HTTP parser, log level warning,
no access log), so the gap between the two is what the mock does per request.

``python -m bench.ceiling --port PORT --routes FILE`` where FILE is a JSON list of
``{"method", "path", "status", "content_type", "body"}`` (body as text).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _endpoint(
    status: int, body: bytes, content_type: str
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        await request.body()
        return Response(body, status_code=status, media_type=content_type)

    return endpoint


def build(routes: list[dict[str, Any]]) -> Starlette:
    return Starlette(
        routes=[
            Route(
                r["path"],
                _endpoint(int(r["status"]), r["body"].encode(), r["content_type"]),
                methods=[r["method"]],
            )
            for r in routes
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--routes", type=Path, required=True)
    args = parser.parse_args()
    app = build(json.loads(args.routes.read_text(encoding="utf-8")))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

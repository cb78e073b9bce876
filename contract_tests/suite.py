"""Build the schemathesis configuration and schema for a target, in-process or live."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig

from . import checks, vendor_rules  # noqa: F401  (registers our checks and hook)
from .targets import Target, auth_config

SEED = 20261123

ALL_CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "allow_header_conformance",
]


def max_examples(default: int) -> int:
    """``FUZZ_EXAMPLES`` (set by ``make fuzz-deep``) raises the number of examples per operation."""
    return int(os.environ.get("FUZZ_EXAMPLES", default))


def config(
    target: Target,
    *,
    live: bool = False,
    base_url: str | None = None,
    examples: int = 25,
    rate_limit: str | None = None,
    operation_rates: dict[str, str] | None = None,
    read_only: bool = False,
) -> SchemathesisConfig:
    data: dict[str, Any] = {
        "seed": SEED,
        "generation": {
            "mode": "all",
            "max-examples": max_examples(examples),
            "deterministic": True,
        },
        # Response time is measured by `make bench`, never asserted: max_response_time stays unset.
        "checks": {name: {"enabled": True} for name in ALL_CHECKS},
        # The specs declare their links. Link inference ("dependency-analysis") invents one from
        # a nullable `campaign_id` in a message to the campaign read, then calls
        # /campaigns/None: an invalid request it counts as valid. So inference is off.
        "phases": {"stateful": {"max-steps": 12, "inference": {"algorithms": []}}},
        # Schemathesis' own sanitization masks every auth header in a curl, the invented wrong
        # key of an ignored-auth finding too, which hides what was sent. It is off; real secrets
        # from the environment are masked by us instead (fuzzrun.mask), and the sandbox
        # credentials of in-process runs are public (README) and shown as sent.
        "output": {"sanitization": {"enabled": False}},
    }
    if read_only:
        # Read-only runs against a partner's real endpoint must send no unsafe method at all;
        # unsupported_method probes every path with POST/PUT/DELETE, so it is off there.
        data["checks"]["unsupported_method"] = {"enabled": False}
        data["phases"]["coverage"] = {"unexpected-methods": []}
    auth = auth_config(target, live)
    if auth:
        data["auth"] = {"openapi": auth}
    if base_url:
        data["base-url"] = base_url
    if rate_limit:
        data["rate-limit"] = rate_limit
    if operation_rates:  # an operation with its own documented limit gets its own pace
        data["operations"] = [
            {"include-operation-id": op_id, "rate-limit": rate}
            for op_id, rate in operation_rates.items()
        ]
    return SchemathesisConfig.from_dict(data)


def asgi_schema(target: Target, app: Any, **kwargs: Any) -> Any:
    """The target's spec as connexion serves it, bound to the in-process app (ASGI transport)."""
    prefix = target.profile.prefix
    return schemathesis.openapi.from_asgi(
        f"{prefix}/openapi.json", app, config=config(target, **kwargs)
    )

"""A broken profile stops the mock at start-up, naming the file, the key and what was expected
(never a 500 when the first request arrives)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from mock_server.asgi.app import build_app
from mock_server.core.config import Config
from mock_server.core.profile import ProfileError
from mock_server.world.runtime import build_runtime

ROOT = Path(__file__).resolve().parent.parent


def specs_copy(tmp_path: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of ``specs/`` whose profile ``name`` went through ``edit``."""
    folder = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", folder)
    path = folder / "profiles" / f"{name}.yaml"
    profile = yaml.safe_load(path.read_text())
    edit(profile)
    path.write_text(yaml.safe_dump(profile, sort_keys=False))
    return folder


def start(folder: Path) -> None:
    config = Config(
        specs_dir=folder, credentials=folder / "sandbox-credentials.yaml", jwt_secret="t"
    )
    build_app(build_runtime(config))


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(profile: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = profile
        for part in parents:
            target = target[part]
        if value is None:
            del target[last]
        else:
            target[last] = value

    return edit


BROKEN = [
    ("voice", _set("state.placeCall.action", "crate"), "state.placeCall.action", "unknown action"),
    ("zipteams", _set("state.ingestBatchCall.key", None), "state.ingestBatchCall.key", "required"),
    (
        "ziett",
        _set("state.listMessages.sise", "size"),
        "state.listMessages.sise",
        "not a parameter",
    ),
    ("voice", _set("state.noSuchOperation", {"action": "get"}), "state.noSuchOperation", "not in"),
    (
        "voice",
        _set("state.placeCall.debit", {"ledger": "balance", "refused": "no_such_situation"}),
        "state.placeCall.debit.refused",
        "situation",
    ),
    ("360dialog", _set("state.getPartner.seed", "nope"), "state.getPartner.seed", "not in"),
    (
        "voice",
        _set("state.listCalls.envelope", {"items": "data"}),
        "state.listCalls.envelope",
        "expected a mapping with keys",
    ),
    ("voice", _set("operations.getCampain", {"situations": {}}), "operations.getCampain", "not in"),
    ("zipteams", _set("error", None), "'error'", "missing"),
    (
        "zipteams",
        _set("callbacks.ingestBatchCall.callback", "processingResults"),
        "callbacks",
        "declares no callback 'processingResults'",
    ),
    ("zipteams", _set("callbacks.ingestBatchCall.url", None), "'url'", "missing"),
    # a parameter the operation does not have: every read answered 404 at run time
    (
        "voice",
        _set("state.getCampaign.param", "campaign_idd"),
        "state.getCampaign.param",
        "'campaign_idd' is not a parameter of the operation",
    ),
    (
        "360dialog",
        _set("state.getPartner.owner", {"param": "partnerId", "credential": "partner_id"}),
        "state.getPartner.owner.param",
        "'partnerId' is not a parameter of the operation",
    ),
]


@pytest.mark.parametrize(("name", "edit", "key", "says"), BROKEN, ids=[b[2] for b in BROKEN])
def test_a_broken_profile_fails_at_start_up_naming_file_and_key(
    tmp_path: Path, name: str, edit: Callable[[dict[str, Any]], None], key: str, says: str
) -> None:
    folder = specs_copy(tmp_path, name, edit)
    with pytest.raises(ProfileError) as caught:
        start(folder)
    message = str(caught.value)
    assert f"{name}.yaml" in message
    assert key in message
    assert says in message


def test_every_problem_is_listed_not_only_the_first(tmp_path: Path) -> None:
    def edit(profile: dict[str, Any]) -> None:
        profile["state"]["placeCall"]["action"] = "crate"
        profile["state"]["getCampaign"]["parm"] = "campaign_id"

    with pytest.raises(ProfileError) as caught:
        start(specs_copy(tmp_path, "voice", edit))
    assert "state.placeCall.action" in str(caught.value)
    assert "state.getCampaign.parm" in str(caught.value)


def test_the_shipped_profiles_pass(tmp_path: Path) -> None:
    start(specs_copy(tmp_path, "voice", lambda profile: None))


def test_check_command_exits_1_with_the_message_and_0_when_clean(tmp_path: Path) -> None:
    folder = specs_copy(tmp_path, "voice", _set("state.getBalance.action", "balanse"))
    args = [sys.executable, "-m", "mock_server.check", "--specs-dir", str(folder)]
    broken = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False)
    assert broken.returncode == 1, broken.stderr
    assert "voice.yaml: state.getBalance.action: unknown action 'balanse'" in broken.stderr
    assert "Traceback" not in broken.stderr
    clean = subprocess.run(
        [sys.executable, "-m", "mock_server.check"], capture_output=True, text=True, cwd=ROOT
    )
    assert clean.returncode == 0, clean.stderr
    assert "4 profile(s) can be served" in clean.stdout


def test_derived_pointers_are_unescaped_as_rfc_6901_says() -> None:
    from mock_server.world.behaviours import _set_pointer

    target: dict[str, Any] = {"kept": {"x": 1}}
    shared = target["kept"]
    _set_pointer(target, "/kept/a~1b", 2)
    _set_pointer(target, "/c~0d", 3)
    assert target == {"kept": {"x": 1, "a/b": 2}, "c~d": 3}
    assert shared == {"x": 1}  # copy-on-write: the shared object is untouched


def test_the_index_keeps_the_parameters_the_handler_gets_path_and_query_only() -> None:
    """A ``param`` naming a header or cookie would pass a check over every parameter and still
    read None (connexion's argument builder passes only path and query parameters on)."""
    from mock_server.core.specindex import index_operations

    doc = {
        "paths": {
            "/a/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True}],
                "get": {
                    "operationId": "getA",
                    "parameters": [
                        {"$ref": "#/components/parameters/Page"},
                        {"name": "X-Tenant", "in": "header"},
                        {"name": "session", "in": "cookie"},
                    ],
                    "responses": {},
                },
            }
        },
        "components": {"parameters": {"Page": {"name": "page", "in": "query"}}},
    }
    assert index_operations(doc)["getA"].parameters == ("id", "page")

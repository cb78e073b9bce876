"""The README's curl sessions give the output shown, against a real mock process.

Each ```console block runs in one bash session (variables carry over). Every output line the
README shows must appear in the actual output, in order; ``…`` stands for any text (ids,
timestamps). Lines the README leaves out (other headers) are allowed.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import ROOT, mock_process

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```console\n(.*?)```", README, flags=re.S)


def commands(block: str) -> Iterator[tuple[str, list[str]]]:
    """(command, expected output lines) pairs; continuation lines join their command."""
    command: str | None = None
    expected: list[str] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            if command is not None:
                yield command, expected
            command, expected = line[2:], []
        elif command is not None and command.endswith("\\") and line.startswith("    "):
            command = command[:-1] + " " + line.strip()
        elif line.strip():
            expected.append(line)
    if command is not None:
        yield command, expected


def matches(expected: list[str], actual: list[str]) -> bool:
    """Each expected line matches some later actual line, in order (``…`` is a wildcard)."""
    position = 0
    for line in expected:
        pattern = re.compile("^" + ".*?".join(re.escape(p) for p in line.split("…")) + "$")
        while position < len(actual) and not pattern.match(actual[position].rstrip("\r")):
            position += 1
        if position == len(actual):
            return False
        position += 1
    return True


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with mock_process() as url:
        yield url


def test_readme_has_a_session_per_partner() -> None:
    text = "\n".join(BLOCKS)
    for prefix in ("/zipteams/", "/ziett/", "/360dialog/", "/voice/"):
        assert prefix in text


@pytest.mark.parametrize("block", BLOCKS, ids=[f"session-{i}" for i in range(len(BLOCKS))])
def test_readme_session_gives_the_output_shown(origin: str, block: str, tmp_path: Path) -> None:
    host = origin.removeprefix("http://")
    setup: list[str] = []
    for command, expected in commands(block.replace("localhost:8080", host)):
        if re.match(r"^[A-Z]+=", command):  # a variable for the later commands
            setup.append(command)
            continue
        script = "\n".join([*setup, command])
        result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
        actual = result.stdout.splitlines()
        assert matches(expected, actual), (
            f"$ {command}\nexpected:\n" + "\n".join(expected) + ("\nactual:\n" + result.stdout)
        )

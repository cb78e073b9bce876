"""``python -m speclint.diff.history``: each spec against its previous version in git.

For ``make diff BASE=<ref>`` every spec is compared with its version at BASE. Without BASE (as
``make test`` runs it) each spec is compared with the version before the last commit that
touched it, or with HEAD when the working tree has uncommitted edits, so the latest edit of
every spec must be non-breaking or approved in ``x-breaking-changes``. A spec with no earlier
version, or a checkout without git history, is skipped with a note.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from speclint.diff.cli import run


def _git(*args: str) -> str | None:
    result = subprocess.run(["git", *args], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def _exists(ref: str, path: Path) -> bool:
    return _git("cat-file", "-e", f"{ref}:./{path}") is not None


def base_for(path: Path) -> str | None:
    """The ref whose version of ``path`` the current file is compared with."""
    if _git("diff", "--quiet", "HEAD", "--", str(path)) is None and _exists("HEAD", path):
        return "HEAD"  # uncommitted edit: review it against the last commit
    last = _git("log", "-n1", "--format=%H", "--", str(path))
    if not last:
        return None
    return f"{last}^" if _exists(f"{last}^", path) else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m speclint.diff.history")
    parser.add_argument("specs", nargs="+", type=Path)
    parser.add_argument("--base", default=None, help="git ref (default: per spec, see module doc)")
    parser.add_argument("--format", default="text", choices=("text", "json", "markdown"))
    args = parser.parse_args(argv)
    if args.base and _git("rev-parse", "--verify", "--quiet", f"{args.base}^{{commit}}") is None:
        if _git("rev-parse", "--verify", "--quiet", "HEAD") is None:  # a repository with no
            print("no commit yet: nothing to compare")  # commit (make diff's BASE is HEAD)
            return 0
        # a mistyped BASE would otherwise read as "no earlier version" for every spec: a pass
        print(
            f"--base {args.base}: not a commit in this repository (git rev-parse)", file=sys.stderr
        )
        return 2
    worst = 0
    for path in args.specs:
        base = args.base if args.base else base_for(path)
        if base is None or not _exists(base, path):
            print(f"{path}: no earlier version{f' at {base}' if base else ''}; nothing to compare")
            continue
        print(f"== {path} against {base}")
        sys.stdout.flush()
        worst = max(worst, run([f"git:{base}:{path}", str(path), "--format", args.format]))
    return worst


if __name__ == "__main__":
    raise SystemExit(main())

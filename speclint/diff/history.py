"""``python -m speclint.diff.history``: each spec against its previous versions in git.

For ``make diff BASE=<ref>`` every spec is compared with its version at BASE. Without BASE (as
``make test`` runs it) every edit of every spec is reviewed: uncommitted changes against HEAD,
and each commit that touched the spec against its parent. A break is approved by an
``x-breaking-changes`` entry in its own version or in the spec as it is now (an approval may
follow in a later commit). So a breaking commit cannot pass because a later commit touched the
same spec. A spec's first version, or a commit whose parent a shallow clone
lacks, is skipped with a note.
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


def edits(path: Path) -> list[tuple[str, str, str]]:
    """Each edit of ``path`` as (what it is, old version, new version), newest first; the
    versions are ``git:REF:path`` sources, or the working file for uncommitted changes."""
    out = []
    if _git("diff", "--quiet", "HEAD", "--", str(path)) is None and _exists("HEAD", path):
        out.append((f"{path} (uncommitted) against HEAD", f"git:HEAD:{path}", str(path)))
    for commit in (_git("log", "--format=%H", "--", str(path)) or "").split():
        if _exists(f"{commit}^", path):
            label = f"{path} at {commit[:10]} against its parent"
            out.append((label, f"git:{commit}^:{path}", f"git:{commit}:{path}"))
    return out


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
        if args.base:
            here = (f"{path} against {args.base}", f"git:{args.base}:{path}", str(path))
            pairs = [here] if _exists(args.base, path) else []
        else:
            pairs = edits(path)
        if not pairs:
            at = f" at {args.base}" if args.base else ""
            print(f"{path}: no earlier version{at}; nothing to compare")
            continue
        for label, old, new in pairs:
            print(f"== {label}")
            sys.stdout.flush()
            # a break is approved in its own version or in the spec as it is now
            current = ["--approvals-from", str(path)] if new != str(path) else []
            worst = max(worst, run([old, new, "--format", args.format, *current]))
    return worst


if __name__ == "__main__":
    raise SystemExit(main())

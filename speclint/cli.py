"""Command line: ``python -m speclint [--docs DIR] SPEC...``, exit 1 on findings; also ``diff``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from speclint.lint import default_docs_dir, expand, lint
from speclint.registry import RULES


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m speclint",
        description="Check partner OpenAPI specs against the house rules in specs/README.md.",
    )
    parser.add_argument(
        "specs",
        nargs="*",
        metavar="SPEC",
        help="spec files, or folders whose *.yaml files with a root `openapi` key are linted; "
        "all are linted together",
    )
    parser.add_argument(
        "--docs",
        metavar="DIR",
        default=None,
        help=f"partner-docs folder (default: {default_docs_dir()})",
    )
    parser.add_argument(
        "--rule",
        action="append",
        choices=sorted(RULES),
        metavar="NAME",
        help="run only this rule (repeatable)",
    )
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    args = parser.parse_args(argv)
    if not args.specs and not args.list_rules:
        parser.error("at least one SPEC is required")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the linter; 0 clean, 1 findings, 2 usage error. ``diff ...`` runs the change review."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["diff"]:
        from speclint.diff.cli import run

        return run(argv[1:])
    args = parse_args(argv)
    if args.list_rules:
        for rule in RULES.values():
            print(f"{rule.name}: {rule.doc}")
        return 0
    docs = args.docs if args.docs is not None else default_docs_dir()
    paths, findings = expand(args.specs)
    findings += lint(paths, docs_dir=docs, rules=args.rule)
    for finding in findings:
        print(finding)
    if findings:
        files = len({f.file for f in findings})
        print(
            f"speclint: {len(findings)} finding(s) in {files} file(s); {len(paths)} spec(s) checked"
        )
        return 1
    print(f"speclint: {len(paths)} spec(s) clean")
    return 0

"""speclint: house-rule linter for the partner OpenAPI 3.0.3 specs (see specs/README.md)."""

from speclint.lint import default_docs_dir, lint
from speclint.model import Finding, SpecContext
from speclint.registry import RULES
from speclint.schema import instance_errors

__all__ = ["RULES", "Finding", "SpecContext", "default_docs_dir", "instance_errors", "lint"]

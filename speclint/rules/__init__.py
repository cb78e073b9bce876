"""The rules; importing this package registers them all in :data:`speclint.registry.RULES`."""

from speclint.rules import (
    components,
    examples,
    gaps,
    keywords,
    operations,
    responses,
    validity,
)

__all__ = ["components", "examples", "gaps", "keywords", "operations", "responses", "validity"]

"""RFC 6901 JSON pointers, looked up quickly in parsed JSON.

jsonpointer does the parsing (escapes) and every case it knows; this adds only a quicker walk
for the common one. A 50-item batch resolves two pointers per item, and jsonpointer's own walk
(an abstract-base-class check per step) was a tenth of such a request; no library offers the
walk without those checks, so it is written here, for plain dicts and lists only, and hands
anything else back to jsonpointer.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonpointer import JsonPointer

parse = functools.lru_cache(maxsize=1024)(JsonPointer)  # the specs' few pointers, parsed once


def lookup(document: Any, pointer: str, default: Any = None) -> Any:
    """``jsonpointer.resolve_pointer(document, pointer, default)``, quicker on dicts/lists."""
    parsed = parse(pointer)
    node = document
    for part in parsed.parts:
        if type(node) is dict:
            if part not in node:
                return default
            node = node[part]
        elif (
            type(node) is list
            and part.isascii()
            and part.isdigit()
            and (part == "0" or part[0] != "0")
        ):
            index = int(part)
            if index >= len(node):
                return default
            node = node[index]
        else:  # "-", a malformed index, or another type: jsonpointer's own rules
            return parsed.resolve(document, default)
    return node

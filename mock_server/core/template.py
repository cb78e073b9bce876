"""The one template filler: error envelopes, callback bodies and wording share one syntax.

A placeholder is ``{name}`` (``str.format``'s syntax, format specs included: ``{count:,}``):

- a string that is exactly one placeholder is replaced by the value itself, of any JSON type
  (``"{problems}"`` → a list); ``{/a/b}`` is a JSON pointer (RFC 6901) into the document being
  echoed (a callback's accepted item); a missing value is null;
- ``{name?}`` / ``{/a/b?}`` as a mapping's value drops the key when the value is absent or empty
  (null, ``""``, ``[]``, ``{}``);
- inside longer text, placeholders are formatted into the text; one without a value is left as
  written (a profile's wording may name a parameter only some refusals have).

Profiles' envelope templates, callback bodies, messages and ``derive`` texts are all filled here.
``string.Formatter`` parses and formats; the only hand-written parts are the whole-value rule and
keeping unknown placeholders, which neither ``str.format`` nor ``string.Template`` offer.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from mock_server.core import pointers

_ABSENT = object()
_WHOLE = re.compile(r"\{(/[^{}?]*|[A-Za-z_]\w*)(\?)?\}")
_EMPTY: tuple[Any, ...] = (None, "", [], {})
_FORMATTER = string.Formatter()


def fill_text(text: str, values: Mapping[str, Any]) -> str:
    """Format ``values`` into ``text``; a placeholder without a value stays as written."""
    out = []
    for literal, field, spec, conversion in _FORMATTER.parse(text):
        out.append(literal)
        if field is None:
            continue
        try:
            value, _ = _FORMATTER.get_field(field, (), values)
        except (KeyError, AttributeError, IndexError, TypeError):
            conv = f"!{conversion}" if conversion else ""
            out.append("{" + field + conv + (f":{spec}" if spec else "") + "}")
            continue
        value = _FORMATTER.convert_field(value, conversion)
        out.append(_FORMATTER.format_field(value, fill_text(spec or "", values)))
    return "".join(out)


def _whole(text: str, values: Mapping[str, Any], document: Any) -> tuple[Any, bool] | None:
    """(value, optional) when ``text`` is exactly one placeholder, else None."""
    match = _WHOLE.fullmatch(text)
    if match is None:
        return None
    name, optional = match.group(1), bool(match.group(2))
    if name.startswith("/"):
        value = pointers.lookup(document, name, _ABSENT)
    else:
        value = values.get(name, _ABSENT)
    return (None if value is _ABSENT else value), optional


def fill(template: Any, values: Mapping[str, Any], document: Any = None) -> Any:
    """Fill a JSON-like ``template`` (see the module docstring); ``document`` answers
    ``{/pointer}`` placeholders."""
    if isinstance(template, Mapping):
        out: dict[str, Any] = {}
        for key, sub in template.items():
            whole = _whole(sub, values, document) if isinstance(sub, str) else None
            if whole is not None:
                value, optional = whole
                if optional and value in _EMPTY:
                    continue
                out[key] = value
            else:
                out[key] = fill(sub, values, document)
        return out
    if isinstance(template, list):
        return [fill(item, values, document) for item in template]
    if isinstance(template, str):
        whole = _whole(template, values, document)
        if whole is not None:
            return whole[0]
        return fill_text(template, values) if "{" in template else template
    return template

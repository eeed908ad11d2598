"""JSON parsed with a nesting limit of its own, the same wherever the parser is called from.

Python's parser stops at its recursion limit, which counts the caller's frames
too: a value 900 levels deep parsed from a script but was refused inside a run
(Prefect's frames come first), and the code that reads a parsed value (a hint
turned into text) recursed again on what had just parsed. Here a value nested
deeper than ``MAX_DEPTH`` is refused with ``TooDeep``, whether the parser got
through it or not, with a message naming the depth: far below the recursion
limit, far above any article's JSON (a few levels).
"""
from __future__ import annotations

import json
import re

MAX_DEPTH = 256  # containers inside containers
_SCAN_BYTES = 1 << 20  # a depth the parser could not reach is measured in this much of the text
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # strings (skipped whole) and brackets


class TooDeep(ValueError):
    """A JSON value nested deeper than MAX_DEPTH; the message says how deep."""


def loads(text: str | bytes, raw: bytes, items: bool = False, strict: bool = True):
    """``json.loads(text)`` (``raw``: the same as bytes, to measure it), or TooDeep. With
    ``items`` an array is not measured whole: the caller checks each item (``check``), so one
    deep item does not cost the others. ``strict``: as json.loads's (False: raw newlines in strings)."""
    try:
        value = json.loads(text, strict=strict)
    except RecursionError:
        depth = _bracket_depth(raw)
        raise TooDeep(_too_deep(f"at least {depth:,}" if len(raw) > _SCAN_BYTES else f"{depth:,}")) from None
    if not (items and isinstance(value, list)) and raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        check(value)  # with fewer brackets it cannot be that deep: no walk
    return value


def check(value) -> None:
    """TooDeep when a parsed value nests deeper than MAX_DEPTH."""
    if _value_depth(value, MAX_DEPTH) > MAX_DEPTH:
        raise TooDeep(_too_deep(f"{_value_depth(value):,}"))  # counted whole: the same words as unparsed


def _too_deep(levels: str) -> str:
    return f"nested too deep: {levels} levels of arrays and objects (limit {MAX_DEPTH})"


def _value_depth(value, limit: int | None = None) -> int:
    """How deep containers nest in a parsed value, walked without recursion; stops counting
    one level past ``limit``."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if limit is not None and deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _bracket_depth(raw: bytes) -> int:
    """The deepest nesting of brackets outside strings in the first MB of ``raw``."""
    depth = deepest = 0
    for match in _TOKENS.finditer(raw, 0, _SCAN_BYTES):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest

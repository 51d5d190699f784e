"""What text and JSON the store holds, the same on SQLite and PostgreSQL, and how any stored
value is written out as JSON again.

The rule (docs/api.md, "Limits and refused input"), checked by the API on every request and
by the store on every component it writes (``revisions.components``), so imports and other
callers meet it too:

- **NUL** (U+0000) is refused in all text: PostgreSQL ``text`` cannot hold it and ``jsonb``
  cannot hold ``\\u0000``; SQLite could, but then the two backends would differ.
- **Identifiers** (component ids and the ids a component points at) and **object keys** (of
  ``extras``, branch metadata, any JSON a request sends) also refuse the other C0 control
  characters and DEL (U+0001-U+001F, U+007F): they are names to type and to put in URLs.
  Free text (terms, titles, comments, ``extras`` values) may hold tab, newline and the rest.
- A JSON value nests at most :data:`MAX_DEPTH` levels of objects and arrays (a request body
  counts its own object as level 1). orjson writes at most 254 levels; the limit keeps every
  stored value far below that, and :func:`dumps` writes deeper values stored before it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from revisions.errors import InvalidRequest

MAX_DEPTH = 32
MAX_PROBLEMS = 20  # violations reported for one value; the rest would only repeat them
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTAINERS = (dict, list, tuple)
_KEY_SHOWN = 64  # characters of a key a violation repeats (a key may be megabytes long)


def text_problem(value: str, *, identifier: bool = False) -> str | None:
    """Why ``value`` cannot be stored (as an identifier or key with ``identifier``), or None."""
    if identifier:
        if _CONTROL.search(value):
            return "must not contain control characters (U+0000-U+001F, U+007F)"
    elif "\x00" in value:
        return "must not contain the NUL character (U+0000)"
    return None


def json_problems(value: Any, where: str = "", depth: int = 1) -> list[str]:
    """Why the JSON ``value`` (found at ``where``, nested ``depth`` levels deep when it is an
    object or array) cannot be stored: violations naming the place, at most
    :data:`MAX_PROBLEMS`. Walks without recursion, so any depth a parser gave is safe."""
    if isinstance(value, str):
        problem = text_problem(value)
        return [f"'{where or '$'}' {problem}."] if problem else []
    problems: list[str] = []
    # Only objects and arrays go on the stack, each with the trail of keys to it, spelled out
    # only for a problem: a path string per value made a 2.4 MB body cost 170 ms, now 50.
    stack: list[tuple[Any, Any, int]] = []
    if isinstance(value, _CONTAINERS):
        stack.append((value, None, depth))
    while stack and len(problems) < MAX_PROBLEMS:
        item, trail, level = stack.pop()
        if level > MAX_DEPTH:
            problems.append(too_deep(_spelled(where, trail)))
            continue
        keyed = isinstance(item, dict)
        for key, child in item.items() if keyed else enumerate(item):
            # isprintable() is False for every control character (and a few others)
            plain = not keyed or (type(key) is str and key.isprintable())
            if not plain and (problem := text_problem(str(key), identifier=True)):
                problems.append(f"'{_spelled(where, (trail, key))}' is a key that {problem}.")
            if isinstance(child, str):
                if "\x00" in child:
                    problems.append(f"'{_spelled(where, (trail, key))}' {text_problem(child)}.")
            elif isinstance(child, _CONTAINERS):
                stack.append((child, (trail, key), level + 1))
    return problems[:MAX_PROBLEMS]


def storable_id(value: Any) -> bool:
    """Whether ``value`` could be the id of something stored (ids asked for by reads: one
    that could not be is simply not there)."""
    return isinstance(value, str) and text_problem(value, identifier=True) is None


def check_text(name: str, value: Any) -> None:
    """Refuse text the store cannot hold, naming it (:class:`InvalidRequest`); for the
    store's own text fields (authors, comments, titles) that are not components."""
    if isinstance(value, str) and (problem := text_problem(value)):
        raise InvalidRequest(f"'{name}' {problem}.")


def check_json(name: str, value: Any) -> None:
    """Refuse a JSON value the store cannot hold (metadata), naming every place."""
    problems = json_problems(value, name)
    if problems:
        raise InvalidRequest(" ".join(problems))


def _spelled(where: str, trail: Any) -> str:
    """``extras.a[2].b`` from the trail ``(((None, 'a'), 2), 'b')`` found under ``where``."""
    keys: list[Any] = []
    while trail is not None:
        trail, key = trail
        keys.append(key)
    path = where
    for key in reversed(keys):
        name = str(key) if len(str(key)) <= _KEY_SHOWN else f"{str(key)[:_KEY_SHOWN]}…"
        path += f"[{key}]" if isinstance(key, int) else (f".{name}" if path else name)
    return path or "$"


def too_deep(where: str) -> str:
    """The violation for a value at ``where`` that nests beyond :data:`MAX_DEPTH`."""
    return f"'{where}' nests deeper than {MAX_DEPTH} levels of objects and arrays."


def dumps(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON: orjson, or for what orjson refuses (nesting beyond
    254 levels, integers beyond 64 bits, both possible in values stored before the limits)
    a writer without recursion, so whatever is stored can always be rendered."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _dumps_iteratively(value).encode()


class _Token(str):
    """Punctuation already written out, on the writer's stack among the values."""


def _dumps_iteratively(value: Any) -> str:
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if type(item) is _Token:
            out.append(item)
        elif isinstance(item, str):
            out.append(json.dumps(item, ensure_ascii=False))
        elif item is None or isinstance(item, bool):
            out.append({None: "null", True: "true", False: "false"}[item])
        elif isinstance(item, int):
            out.append(int.__repr__(item))
        elif isinstance(item, float):
            out.append(float.__repr__(item) if math.isfinite(item) else "null")
        elif isinstance(item, dict):
            stack.append(_Token("}"))
            for i, (key, child) in enumerate(reversed(item.items())):
                stack.append(child)
                comma = "," if i < len(item) - 1 else ""
                stack.append(_Token(f"{comma}{json.dumps(str(key), ensure_ascii=False)}:"))
            out.append("{")
        elif isinstance(item, list | tuple):
            stack.append(_Token("]"))
            for i, child in enumerate(reversed(item)):
                stack.append(child)
                if i < len(item) - 1:
                    stack.append(_Token(","))
            out.append("[")
        else:
            raise TypeError(f"Type is not JSON serializable: {type(item).__name__}")
    return "".join(out)

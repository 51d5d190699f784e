"""The ``expand`` query parameter: ``name()`` or ``name(key:value,…,expand(…))``, comma-separated.

Grammar (whitespace around tokens is ignored)::

    expand    = item ("," item)*
    item      = name "(" [option ("," option)*] ")"
    option    = "expand" "(" expand ")" | key ":" value
    name, key = [A-Za-z][A-Za-z0-9_]*
    value     = one or more characters other than "," "(" ")" ":"

``parse_expand`` returns ``{name: Expansion}``; malformed text raises :class:`ExpandError`
naming the position. Which names and options are allowed is the caller's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_VALUE = re.compile(r"[^,():]+")
_DIGITS = re.compile(r"[0-9]{1,9}")
MAX_LENGTH = 2000
MAX_DEPTH = 5


class ExpandError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"Invalid expand: {message} (at position {position}).")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Expansion:
    options: dict[str, str] = field(default_factory=dict)
    expand: dict[str, Expansion] = field(default_factory=dict)

    def check_options(self, name: str, allowed: tuple[str, ...]) -> None:
        """:class:`ExpandError` for options other than ``allowed`` (and nested expands where
        ``expand`` is not allowed)."""
        unknown = sorted(set(self.options) - set(allowed))
        if unknown:
            raise ExpandError(f"{name}() has no option '{unknown[0]}'", 0)
        if self.expand and "expand" not in allowed:
            raise ExpandError(f"{name}() takes no nested expand", 0)

    def int_option(self, key: str, default: int, maximum: int) -> int:
        """An integer option in [0, maximum]; :class:`ExpandError` otherwise."""
        raw = self.options.get(key)
        if raw is None:
            return default
        if not _DIGITS.fullmatch(raw) or int(raw) > maximum:
            raise ExpandError(f"option '{key}' must be a whole number from 0 to {maximum}", 0)
        return int(raw)


def parse_expand(text: str | None) -> dict[str, Expansion]:
    """Parse an ``expand`` value; empty or missing text means no expansions."""
    if text is None or not text.strip():
        return {}
    if len(text) > MAX_LENGTH:
        raise ExpandError(f"longer than {MAX_LENGTH} characters", MAX_LENGTH)
    parser = _Parser(text)
    result = parser.items(depth=0)
    parser.skip_space()
    if parser.pos != len(text):
        raise ExpandError(f"unexpected '{text[parser.pos]}'", parser.pos)
    return result


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = repr(self.peek()) if self.peek() else "the end"
            raise ExpandError(f"expected '{char}' but found {found}", self.pos)
        self.pos += 1

    def match(self, pattern: re.Pattern[str], what: str) -> str:
        self.skip_space()
        found = pattern.match(self.text, self.pos)
        if not found:
            raise ExpandError(f"expected {what}", self.pos)
        self.pos = found.end()
        return found.group().strip()

    def items(self, depth: int) -> dict[str, Expansion]:
        if depth > MAX_DEPTH:
            raise ExpandError(f"nested deeper than {MAX_DEPTH} levels", self.pos)
        result: dict[str, Expansion] = {}
        while True:
            start = self.pos
            name = self.match(_NAME, "an expansion name")
            if name in result:
                raise ExpandError(f"'{name}' is given twice", start)
            self.expect("(")
            result[name] = self.options(depth)
            self.expect(")")
            if self.peek() != ",":
                return result
            self.pos += 1

    def options(self, depth: int) -> Expansion:
        options: dict[str, str] = {}
        nested: dict[str, Expansion] = {}
        if self.peek() == ")":
            return Expansion(options, nested)
        while True:
            start = self.pos
            key = self.match(_NAME, "an option name")
            if key == "expand" and self.peek() == "(":
                if nested:
                    raise ExpandError("option 'expand' is given twice", start)
                self.pos += 1
                nested = self.items(depth + 1)
                self.expect(")")
            else:
                self.expect(":")
                if key in options:
                    raise ExpandError(f"option '{key}' is given twice", start)
                options[key] = self.match(_VALUE, f"a value for '{key}'")
            if self.peek() != ",":
                return Expansion(options, nested)
            self.pos += 1

"""Snowpath path expressions: parse once, at the edge, into frozen values.

    >>> parse("MAIN/a@2021-09-01T13:49:59.999Z")
    AtTimestamp(path=BranchPath(segments=('MAIN', 'a')), timestamp=1630504199999)

`parse(text)` returns a `BranchPath`, `AtTimestamp`, `BaseOf` or `Range` (together:
`Expression`) whose `str()` is canonical and parses back to an equal value, or raises
`PathError` (a ValueError with `position` and `message`) and nothing else. The grammar is in
`snowpath.grammar`; docs/path-expressions.md explains every form and error.
"""

from snowpath.errors import PathError
from snowpath.grammar import MAX_NAME_LENGTH, RESERVED_NAMES
from snowpath.model import AtTimestamp, BaseOf, BranchPath, Expression, Range
from snowpath.parse import parse

__all__ = [
    "MAX_NAME_LENGTH",
    "RESERVED_NAMES",
    "AtTimestamp",
    "BaseOf",
    "BranchPath",
    "Expression",
    "PathError",
    "Range",
    "parse",
]

"""The values a path expression parses into.

Four frozen, hashable values, one per form; `str()` of each is the canonical text and
`parse(str(value)) == value` holds for every value that can exist: the constructors run the
same checks as the parser and raise `PathError` (positions relative to `str()` of the value)
for anything that would not round-trip, or `TypeError` for fields of the wrong type.

`parse.py` builds values from parts it has already checked through the `trusted_*` factories,
which skip the second check; nothing else should use them.
"""

from dataclasses import dataclass
from typing import TypeAlias

from snowpath.errors import PathError
from snowpath.grammar import (
    check_base,
    check_range_side,
    check_segments,
    check_timestamp,
)

__all__ = [
    "AtTimestamp",
    "BaseOf",
    "BranchPath",
    "Expression",
    "Range",
    "trusted_at",
    "trusted_base",
    "trusted_branch",
    "trusted_range",
]


@dataclass(frozen=True, slots=True)
class BranchPath:
    """A branch: absolute (`MAIN/a/b`) or relative to a code system (`SNOMEDCT-UK-CL/100`)."""

    segments: tuple[str, ...]

    def __post_init__(self) -> None:
        segments = self.segments
        if not isinstance(segments, tuple) or not all(isinstance(s, str) for s in segments):
            raise TypeError(f"segments must be a tuple of str, not {segments!r}")
        if not segments:
            raise PathError("a branch path needs at least one segment", 0)
        starts = []
        start = 0
        for name in segments:
            starts.append(start)
            start += len(name) + 1
        check_segments(segments, starts)

    @property
    def is_absolute(self) -> bool:
        """True when the path starts at MAIN rather than at a code system."""
        return self.segments[0] == "MAIN"

    @property
    def codesystem(self) -> str | None:
        """The code system id a relative path starts with; None for an absolute path."""
        first = self.segments[0]
        return None if first == "MAIN" else first

    @property
    def name(self) -> str:
        """The last segment."""
        return self.segments[-1]

    @property
    def parent(self) -> "BranchPath | None":
        """The path without its last segment; None for a single segment."""
        if len(self.segments) == 1:
            return None
        return trusted_branch(self.segments[:-1])  # every prefix of a valid path is valid

    def __str__(self) -> str:
        return "/".join(self.segments)


@dataclass(frozen=True, slots=True)
class AtTimestamp:
    """A branch as it was at a wall-clock instant, in epoch milliseconds: `MAIN/a@1630504199999`."""

    path: BranchPath
    timestamp: int

    def __post_init__(self) -> None:
        _require(self.path, BranchPath, "path")
        if not isinstance(self.timestamp, int) or isinstance(self.timestamp, bool):
            raise TypeError(f"timestamp must be an int, not {self.timestamp!r}")
        check_timestamp(self.timestamp, len(str(self.path)) + 1)

    def __str__(self) -> str:
        return f"{self.path}@{self.timestamp}"


@dataclass(frozen=True, slots=True)
class BaseOf:
    """A branch's base point, before any of its own changes: `MAIN/a^` (never `MAIN^`)."""

    path: BranchPath

    def __post_init__(self) -> None:
        _require(self.path, BranchPath, "path")
        check_base(self.path.segments, len(str(self.path)))

    def __str__(self) -> str:
        return f"{self.path}^"


@dataclass(frozen=True, slots=True)
class Range:
    """What changed on `right` since it diverged from `left`: `MAIN/a...MAIN/b`, both absolute."""

    left: BranchPath
    right: BranchPath

    def __post_init__(self) -> None:
        _require(self.left, BranchPath, "left")
        _require(self.right, BranchPath, "right")
        check_range_side(self.left.segments, 0)
        check_range_side(self.right.segments, len(str(self.left)) + 3)

    def __str__(self) -> str:
        return f"{self.left}...{self.right}"


Expression: TypeAlias = BranchPath | AtTimestamp | BaseOf | Range
"""Anything `snowpath.parse` returns."""


def _require(value: object, kind: type, field: str) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{field} must be a {kind.__name__}, not {value!r}")


# The parser checks every part before building a value, so it skips __post_init__ (the second
# check would double the cost of a parse). object.__setattr__ is how a frozen dataclass sets
# its own fields, too.
_new = object.__new__
_set = object.__setattr__


def trusted_branch(segments: tuple[str, ...]) -> BranchPath:
    """A BranchPath from segments already checked by `check_segments`."""
    value = _new(BranchPath)
    _set(value, "segments", segments)
    return value


def trusted_at(path: BranchPath, timestamp: int) -> AtTimestamp:
    """An AtTimestamp from a timestamp already checked by `check_timestamp`."""
    value = _new(AtTimestamp)
    _set(value, "path", path)
    _set(value, "timestamp", timestamp)
    return value


def trusted_base(path: BranchPath) -> BaseOf:
    """A BaseOf from a path already checked by `check_base`."""
    value = _new(BaseOf)
    _set(value, "path", path)
    return value


def trusted_range(left: BranchPath, right: BranchPath) -> Range:
    """A Range from sides already checked by `check_range_side`."""
    value = _new(Range)
    _set(value, "left", left)
    _set(value, "right", right)
    return value

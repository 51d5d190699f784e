"""The grammar of path expressions, and the checks every value must pass.

This module knows the rules; `parse.py` knows how to walk a text, `model.py` holds the values.
Each check raises `PathError` whose position is relative to the text the caller passed in
(callers that decoded percent-escapes map positions back themselves).

Grammar (EBNF, ISO 14977 flavour), applied after decoding the escapes `%40` -> "@",
`%5E`/`%5e` -> "^" and `%2E`/`%2e` -> "." (no other escape is accepted):

    expression = range | operand ;
    range      = absolute, "...", absolute ;                 (* exactly one "..." *)
    operand    = path, [ "@", timestamp | "^" ] ;            (* "MAIN^" is refused *)
    path       = absolute | relative ;
    absolute   = "MAIN", { "/", segment } ;
    relative   = segment, ( "/", ( "HEAD" | "LATEST" ) | { "/", segment } ) ;
    segment    = name - reserved ;            (* reserved words in ANY letter case *)
    reserved   = "MAIN" | "HEAD" | "LATEST" | "NEXT" ;
    name       = namechar, { namechar } ;     (* 1 to 100 characters, no "...", last not "." *)
    namechar   = letter | digit | "." | "_" | "~" | "-" ;    (* ASCII only *)
    timestamp  = millis | instant ;
    millis     = nonzero digit, { digit } ;   (* epoch ms, 1 .. MAX_TIMESTAMP *)
    instant    = date, "T", time, [ ".", digit, [ digit, [ digit ] ] ], zone ;
    date       = digit, digit, digit, digit, "-", digit, digit, "-", digit, digit ;
    time       = digit, digit, ":", digit, digit, ":", digit, digit ;
    zone       = "Z" | ( "+" | "-" ), digit, digit, ":", digit, digit ;

A name may neither contain "..." nor end with ".", so the first "..." in a text is always the
range operator (`MAIN/a....MAIN/b` cannot mean `MAIN/a.` to `MAIN/b`); this also refuses the URL
dot segments "." and "..", which clients and proxies would remove.
"""

import calendar
import datetime
import itertools
import re
from collections.abc import Sequence

from snowpath.errors import PathError

__all__ = [
    "MAX_NAME_LENGTH",
    "MAX_TIMESTAMP",
    "RESERVED_NAMES",
    "check_base",
    "check_name",
    "check_range_side",
    "check_segments",
    "check_timestamp",
    "misplaced_reserved",
    "parse_timestamp",
    "quote",
]

MAX_NAME_LENGTH = 100
"""Longest segment name, as in Snow Owl's RevisionBranch."""

RESERVED_NAMES = frozenset({"MAIN", "HEAD", "LATEST", "NEXT"})
"""Names no segment may take after the first (compared after `str.upper`)."""

SYMBOLIC_VERSIONS = ("HEAD", "LATEST")
"""The only reserved names a relative path may use, as its second and last segment."""

MAX_TIMESTAMP = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z in epoch milliseconds: the last instant with a 4-digit year."""

_ANY_CASE = frozenset(
    "".join(letters)
    for word in RESERVED_NAMES
    for letters in itertools.product(*({c, c.lower()} for c in word))
)
_MAX_DIGITS = len(str(MAX_TIMESTAMP))
_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9._~-]")
_NOT_DIGIT = re.compile(r"[^0-9]")
_DIGITS = frozenset("0123456789")
_EPOCH_DAY = datetime.date(1970, 1, 1).toordinal()
_INSTANT_HEAD = "dddd-dd-ddTdd:dd:dd"
_OFFSET = "dd:dd"
_ILLUSTRATION = 24


def quote(token: str) -> str:
    """`repr` of a token, shortened so a message never echoes a huge input."""
    if len(token) > _ILLUSTRATION:
        return repr(token[:_ILLUSTRATION]) + "..."
    return repr(token)


def check_name(name: str, start: int) -> None:
    """Refuse a name (at `start`): empty, a bad character, too long, "..." or a final dot."""
    if not name:
        raise PathError("missing branch name: empty segment between '/' separators", start)
    bad = _NOT_NAME_CHAR.search(name)
    if bad is not None:
        raise PathError(
            f"invalid character {quote(bad.group())} in branch name; "
            "use letters, digits, '.', '_', '~' or '-'",
            start + bad.start(),
        )
    if len(name) > MAX_NAME_LENGTH:
        raise PathError(
            f"branch name {quote(name)} is longer than {MAX_NAME_LENGTH} characters",
            start + MAX_NAME_LENGTH,
        )
    dots = name.find("...")
    if dots >= 0:  # only reachable through BranchPath(): the parser splits ranges first
        raise PathError(f"branch name {quote(name)} may not contain '...'", start + dots)
    if name[-1] == ".":
        raise PathError(f"branch name {quote(name)} may not end with '.'", start + len(name) - 1)


def check_segments(segments: Sequence[str], starts: Sequence[int]) -> None:
    """Refuse segments (beginning at `starts`) that break a name or a reserved-name rule."""
    for name, start in zip(segments, starts, strict=True):
        check_name(name, start)
    index = misplaced_reserved(segments)
    if index < 0:
        return
    name = segments[index]
    if index > 0:
        message = (
            f"reserved name {quote(name)} is not allowed here (MAIN, HEAD, LATEST and NEXT "
            "in any case); only 'CS/HEAD' and 'CS/LATEST' may use one"
        )
    elif name.upper() == "MAIN":
        message = f"{quote(name)}: MAIN must be written in upper case"
    else:
        message = (
            f"reserved name {quote(name)} cannot start a path; start with MAIN or a code system id"
        )
    raise PathError(message, starts[index])


def misplaced_reserved(segments: Sequence[str]) -> int:
    """Index of the first segment that may not be the reserved name it is, or -1.

    Segments must already be well-formed names (ASCII), so `in _ANY_CASE` is `.upper() in
    RESERVED_NAMES`, done by one set operation for the whole path.
    """
    first = segments[0]
    if first != "MAIN":
        if first in _ANY_CASE:
            return 0
        if len(segments) == 2 and segments[1] in SYMBOLIC_VERSIONS:
            return -1
    rest = segments[1:]
    if _ANY_CASE.isdisjoint(rest):
        return -1
    return next(index for index, name in enumerate(rest, 1) if name in _ANY_CASE)


def check_base(segments: Sequence[str], caret: int) -> None:
    """Refuse `^` (at `caret`) on bare MAIN, which has no base."""
    if len(segments) == 1 and segments[0] == "MAIN":
        raise PathError("'MAIN^': MAIN has no base point", caret)


def check_range_side(segments: Sequence[str], start: int) -> None:
    """Refuse a relative path (at `start`) as a side of a range."""
    if segments[0] != "MAIN":
        raise PathError(
            f"range sides must be absolute paths starting with MAIN, "
            f"found {quote('/'.join(segments))}",
            start,
        )


def check_timestamp(millis: int, start: int, written: str = "") -> None:
    """Refuse epoch milliseconds (`written` at `start`) outside 1 .. MAX_TIMESTAMP."""
    token = quote(written) if written else str(millis)
    if millis <= 0:
        raise PathError(f"timestamp {token} must be after 1970-01-01T00:00:00Z", start)
    if millis > MAX_TIMESTAMP:
        raise PathError(f"timestamp {token} is after the year 9999", start)


def parse_timestamp(text: str, start: int, end: int) -> int:
    """Epoch milliseconds written as `text[start:end]`: digits or an ISO 8601 instant."""
    if start == end:
        raise PathError("missing timestamp after '@'", start)
    bad = _NOT_DIGIT.search(text, start, end)
    if bad is None:
        return _parse_millis(text[start:end], start)
    if bad.start() == start + 4 and bad.group() == "-":
        return _parse_instant(text, start, end)
    char = bad.group()
    if bad.start() == start and char in "+-":
        raise PathError(f"{quote(char)}: a timestamp has no sign; use epoch ms > 0", start)
    message = (
        f"invalid character {quote(char)} in timestamp; use epoch milliseconds "
        "or an ISO 8601 instant such as 2021-09-01T13:50:00Z"
    )
    raise PathError(_unexpected(char, message), bad.start())


def _unexpected(char: str, otherwise: str) -> str:
    """The message for a stray character; `^` and `@` get their own."""
    if char == "^":
        return "'^' cannot be combined with '@'"
    if char == "@":
        return "only one '@' is allowed"
    return otherwise


def _parse_millis(digits: str, start: int) -> int:
    if digits[0] == "0":
        if digits.strip("0"):
            raise PathError(f"timestamp {quote(digits)} may not start with '0'", start)
        raise PathError(f"timestamp {quote(digits)} must be after 1970-01-01T00:00:00Z", start)
    if len(digits) > _MAX_DIGITS:  # also keeps int() away from huge digit strings
        raise PathError(f"timestamp {quote(digits)} is after the year 9999", start)
    millis = int(digits)
    check_timestamp(millis, start, digits)
    return millis


def _expect(text: str, pos: int, end: int, shape: str) -> int:
    """Match `shape` ("d" = ASCII digit, anything else literally) at `pos`; return the end."""
    for want in shape:
        if pos >= end:
            raise PathError(f"ISO 8601 instant ends early; expected {_expected(want)}", pos)
        got = text[pos]
        if got not in _DIGITS if want == "d" else got != want:
            message = f"expected {_expected(want)} in ISO 8601 instant, found {quote(got)}"
            raise PathError(_unexpected(got, message), pos)
        pos += 1
    return pos


def _expected(want: str) -> str:
    return "a digit" if want == "d" else repr(want)


def _parse_instant(text: str, start: int, end: int) -> int:
    """`YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)` as epoch milliseconds."""
    pos = _expect(text, start, end, _INSTANT_HEAD)
    fraction = 0
    if pos < end and text[pos] == ".":
        digits_at = pos + 1
        pos = digits_at
        while pos < end and text[pos] in _DIGITS:
            if pos - digits_at == 3:
                raise PathError("an ISO 8601 instant has at most 3 fractional digits (ms)", pos)
            pos += 1
        if pos == digits_at:
            _expect(text, pos, end, "d")  # raises: a digit must follow "."
        fraction = int(text[digits_at:pos].ljust(3, "0"))
    offset_minutes = 0
    if pos >= end:
        raise PathError("ISO 8601 instant needs a zone: 'Z' or +HH:MM / -HH:MM", pos)
    sign = text[pos]
    if sign in "+-":
        zone_at = pos + 1
        pos = _expect(text, zone_at, end, _OFFSET)
        hours = _field(text, zone_at, 0, 23, "zone hour")
        minutes = _field(text, zone_at + 3, 0, 59, "zone minute")
        offset_minutes = (hours * 60 + minutes) * (-1 if sign == "-" else 1)
    elif sign == "Z":
        pos += 1
    else:
        pos = _expect(text, pos, end, "Z")  # raises with the offending character
    if pos < end:
        message = f"unexpected {quote(text[pos])} after the ISO 8601 instant"
        raise PathError(_unexpected(text[pos], message), pos)
    year = _field(text, start, 1, 9999, "year")
    month = _field(text, start + 5, 1, 12, "month")
    day = _field(text, start + 8, 1, calendar.monthrange(year, month)[1], "day")
    hour = _field(text, start + 11, 0, 23, "hour")
    minute = _field(text, start + 14, 0, 59, "minute")
    second = _field(text, start + 17, 0, 59, "second")
    days = datetime.date(year, month, day).toordinal() - _EPOCH_DAY
    minutes_utc = (days * 24 + hour) * 60 + minute - offset_minutes
    millis = (minutes_utc * 60 + second) * 1000 + fraction
    check_timestamp(millis, start, text[start:end])
    return millis


def _field(text: str, start: int, low: int, high: int, what: str) -> int:
    """The year (4 digits) or other field (2 digits) at `start`, refused outside low..high."""
    width = 4 if what == "year" else 2
    token = text[start : start + width]
    value = int(token)
    if not low <= value <= high:
        raise PathError(f"{what} {quote(token)} is out of range {low}..{high}", start)
    return value

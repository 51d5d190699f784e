"""`parse`: a path expression's text to one frozen value, or one `PathError`.

Two routes give the same answer. The fast route is one compiled regular expression covering the
common valid forms (no percent-escapes, no ISO instants); it either builds the value or
declines (there is no cache). The careful route, `parse_carefully`, implements the whole
grammar of `grammar.py` in stages and is the one that explains failures:

1. decode the escapes `%40`, `%5E`, `%2E` (either hex case), remembering where each decoded
   character came from so errors point into the text as given;
2. split at the range operator: the first `...`; a fourth dot, an empty side or a second
   `...` is an error before either side is read;
3. read each operand left to right: names up to the first `@` or `^`, then the suffix.

Within a stage the leftmost problem is reported. Arbitrary text raises only `PathError`.
"""

import re

from snowpath.errors import PathError
from snowpath.grammar import (
    MAX_TIMESTAMP,
    check_base,
    check_range_side,
    check_segments,
    misplaced_reserved,
    parse_timestamp,
    quote,
)
from snowpath.model import (
    BranchPath,
    Expression,
    Range,
    trusted_at,
    trusted_base,
    trusted_branch,
    trusted_range,
)

__all__ = ["parse", "parse_carefully"]

# 1 to 100 name characters, the last not ".": the same rule as grammar.check_name.
_NAME = r"[A-Za-z0-9._~-]{0,99}[A-Za-z0-9_~-]"
_OPERAND = re.compile(rf"({_NAME}(?:/{_NAME})*)(?:@([1-9][0-9]{{0,14}})|(\^))?")
_ABSOLUTE = re.compile(rf"MAIN(?:/{_NAME})*")
_SUFFIX = re.compile(r"[@^]")
_ESCAPES = {"%40": "@", "%5E": "^", "%5e": "^", "%2E": ".", "%2e": "."}


def parse(text: str) -> Expression:
    """The value `text` denotes; raises `PathError` (position into `text`) if it is malformed."""
    if not isinstance(text, str):
        raise TypeError(f"a path expression is a str, not {type(text).__name__}")
    operator = text.find("...")
    value = _fast_operand(text) if operator < 0 else _fast_range(text, operator)
    return parse_carefully(text) if value is None else value


def _fast_operand(text: str) -> Expression | None:
    """A common valid operand from one regex match, or None to leave it to the careful route."""
    match = _OPERAND.fullmatch(text)
    if match is None:
        return None
    path, millis, caret = match.groups()
    segments = tuple(path.split("/"))
    if misplaced_reserved(segments) >= 0:
        return None
    branch = trusted_branch(segments)
    if millis is not None:
        timestamp = int(millis)  # at most 15 digits, so int() is cheap
        return trusted_at(branch, timestamp) if timestamp <= MAX_TIMESTAMP else None
    if caret is None:
        return branch
    return None if segments == ("MAIN",) else trusted_base(branch)


def _fast_range(text: str, operator: int) -> Range | None:
    """A valid `left...right` (`operator` is the first "..."), or None to leave it."""
    left = text[:operator]
    right = text[operator + 3 :]
    if "..." in right or not (_ABSOLUTE.fullmatch(left) and _ABSOLUTE.fullmatch(right)):
        return None
    left_segments = tuple(left.split("/"))
    right_segments = tuple(right.split("/"))
    if misplaced_reserved(left_segments) >= 0 or misplaced_reserved(right_segments) >= 0:
        return None
    return trusted_range(trusted_branch(left_segments), trusted_branch(right_segments))


def parse_carefully(text: str) -> Expression:
    """`parse` without the fast route: slower, and the reference for what `parse` must do."""
    if "%" not in text:
        return _expression(text)
    decoded, origins = _decode(text)
    try:
        return _expression(decoded)
    except PathError as error:
        raise PathError(error.message, origins[error.position]) from None


def _decode(text: str) -> tuple[str, list[int]]:
    """Decode the allowed escapes; `origins[i]` is where decoded character i began in `text`."""
    chars: list[str] = []
    origins: list[int] = []
    at = 0
    while at < len(text):
        char = text[at]
        width = 1
        if char == "%":
            escape = text[at : at + 3]
            char = _ESCAPES.get(escape, "")
            if not char:
                raise PathError(
                    f"unsupported percent-escape {quote(escape)}; "
                    "only %40 ('@'), %5E ('^') and %2E ('.') are decoded",
                    at,
                )
            width = 3
        chars.append(char)
        origins.append(at)
        at += width
    origins.append(len(text))  # a missing part at the end is reported at len(text)
    return "".join(chars), origins


def _expression(text: str) -> Expression:
    if not text:
        raise PathError("empty path expression; expected e.g. MAIN or MAIN/a", 0)
    operator = text.find("...")
    if operator < 0:
        return _operand(text, 0, len(text))
    right_at = operator + 3
    if right_at < len(text) and text[right_at] == ".":
        raise PathError(
            "'....': the range operator is '...' and a branch name may not end with '.'",
            right_at,
        )
    if operator == 0:
        raise PathError("range operator '...' needs an absolute path before it", 0)
    if right_at == len(text):
        raise PathError("range operator '...' needs an absolute path after it", right_at)
    second = text.find("...", right_at)
    if second >= 0:
        raise PathError("only one range operator '...' is allowed", second)
    return trusted_range(_range_side(text, 0, operator), _range_side(text, right_at, len(text)))


def _range_side(text: str, start: int, end: int) -> BranchPath:
    suffix = _SUFFIX.search(text, start, end)
    path = _branch(text, start, end if suffix is None else suffix.start())
    check_range_side(path.segments, start)
    if suffix is not None:
        raise PathError(
            f"{quote(suffix.group())} cannot be used in a range; both sides are plain paths",
            suffix.start(),
        )
    return path


def _operand(text: str, start: int, end: int) -> Expression:
    suffix = _SUFFIX.search(text, start, end)
    if suffix is None:
        return _branch(text, start, end)
    at = suffix.start()
    path = _branch(text, start, at)
    if suffix.group() == "@":
        return trusted_at(path, parse_timestamp(text, at + 1, end))
    check_base(path.segments, at)
    if at + 1 < end:
        stray = text[at + 1]
        if stray == "@":
            raise PathError("'@' cannot be combined with '^'", at + 1)
        raise PathError(f"unexpected {quote(stray)} after '^', which ends a path", at + 1)
    return trusted_base(path)


def _branch(text: str, start: int, end: int) -> BranchPath:
    segments = text[start:end].split("/")
    starts = []
    for name in segments:
        starts.append(start)
        start += len(name) + 1
    check_segments(segments, starts)
    return trusted_branch(tuple(segments))

"""The one error a path expression can raise.

    ValueError
     └── PathError      the text is not a path expression (position + message)

Every failure of `snowpath.parse`, and every attempt to build a value that would not round-trip
through `str()`, raises `PathError` and nothing else. It carries no HTTP status: `api/` maps it
to 400.
"""

__all__ = ["PathError"]


class PathError(ValueError):
    """A path expression is malformed.

    `position` is the 0-based index into the text as the caller gave it (before any
    percent-decoding) of the first offending character. When something is missing rather than
    wrong (`MAIN/`, `MAIN@`, `a...`), it is the index where the missing part should start, which
    may equal `len(text)`. `message` names the problem and quotes the offending character or
    token.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message, position)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} (at position {self.position})"

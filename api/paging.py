"""Paging parameters: ``limit``, ``offset`` and the opaque ``searchAfter`` token.

A token is the base64url of a small JSON list: the sort key of the last item of a page
(for id order, ``[id]``; for term search, ``[score, id]``). It is opaque to clients; a token
that does not decode to such a list is a :class:`PagingError` (400).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import orjson

from revisions.reading import MAX_LIMIT  # the store's limit is the API's
from revisions.values import json_problems

_DIGITS = re.compile(r"[0-9]{1,9}")
DEFAULT_LIMIT = 50
MAX_WINDOW = 10_000  # offset + limit
_MAX_TOKEN = 2048
_INT_LOW, _INT_HIGH = -(2**63), 2**63 - 1  # a store's integer columns


class PagingError(ValueError):
    pass


def encode_token(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def decode_token(token: str | None, length: int) -> list[Any] | None:
    """The sort key in ``token`` (a list of ``length`` strings or numbers), None if absent.
    A whole number must fit the store's 64-bit integers: a server issues no other, and a
    larger one cannot be compared with a column (the driver refuses to send it)."""
    if token is None or token == "":
        return None
    if not isinstance(token, str) or len(token) > _MAX_TOKEN:
        raise PagingError("searchAfter is not a token this server issued.")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise PagingError("searchAfter is not a token this server issued.") from None
    valid = isinstance(key, list) and len(key) == length
    if (
        not valid
        or json_problems(key)
        or not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in key)
        or any(isinstance(v, int) and not _INT_LOW <= v <= _INT_HIGH for v in key)
    ):
        raise PagingError("searchAfter is not a token this server issued.")
    return key


def decode_typed(token: str | None, *kinds: type) -> tuple[Any, ...] | None:
    """:func:`decode_token` for a key of one value of each of ``kinds`` in order (``int``:
    a whole number, never a fraction; ``str``); None if absent."""
    key = decode_token(token, len(kinds))
    if key is None:
        return None
    if not all(type(value) is kind for value, kind in zip(key, kinds, strict=True)):
        raise PagingError("searchAfter is not a token this server issued.")
    return tuple(key)


def parse_int(value: Any, name: str, default: int, maximum: int) -> int:
    """A whole number in [0, maximum] from a query parameter."""
    if value is None or value == "":
        return default
    text = str(value)
    if not _DIGITS.fullmatch(text):
        raise PagingError(f"'{name}' must be a whole number from 0 to {maximum}.")
    number = int(text)
    if number > maximum:
        raise PagingError(f"'{name}' must be at most {maximum}.")
    return number


def window(limit_value: Any, offset_value: Any) -> tuple[int, int]:
    """(limit, offset) checked against the limits: limit ≤ 10,000 and offset + limit ≤ 10,000."""
    limit = parse_int(limit_value, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    offset = parse_int(offset_value, "offset", 0, MAX_WINDOW)
    if offset + limit > MAX_WINDOW:
        raise PagingError(
            f"offset + limit must be at most {MAX_WINDOW}; page deeper with searchAfter."
        )
    return limit, offset

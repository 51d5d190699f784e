"""``api.paging`` on its own: ``searchAfter`` tokens round-trip and refuse anything a server
did not issue; ``limit``/``offset`` parsing and the 10,000 window."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from api.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_WINDOW,
    PagingError,
    decode_token,
    decode_typed,
    encode_token,
    parse_int,
    window,
)


@pytest.mark.parametrize(
    "key", [["c1"], ["ä/ö ü"], [5, "c2"], [1009, "id-with-=padding"], [0], [1.5, "x"]]
)
def test_a_token_round_trips(key: list[Any]) -> None:
    assert decode_token(encode_token(key), len(key)) == key


def test_a_token_is_url_safe_without_padding() -> None:
    token = encode_token(["???>>>~~~"])
    assert "=" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("token", [None, ""])
def test_no_token_means_the_first_page(token: str | None) -> None:
    assert decode_token(token, 1) is None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        "%%%",
        "a",
        _b64(b"not json"),
        _b64(b"{}"),
        _b64(b'"c1"'),
        _b64(b"[]"),
        _b64(b'["a","b"]'),
        _b64(b"[null]"),
        _b64(b"[[1]]"),
        _b64(b'[{"a":1}]'),
        _b64(b"[true]"),
        _b64(b"\xff\xfe"),
        "A" * 5000,
    ],
)
def test_anything_else_is_a_paging_error(token: str) -> None:
    with pytest.raises(PagingError):
        decode_token(token, 1)


@pytest.mark.parametrize("token", [5, 1.5, ["x"], {"a": 1}, True])
def test_a_token_that_is_not_text_is_a_paging_error(token: Any) -> None:
    # POST …/search bodies carry JSON values, not only strings
    with pytest.raises(PagingError):
        decode_token(token, 1)


@pytest.mark.parametrize("key", [[2**63, "A"], [2**64 - 1]])
def test_a_whole_number_beyond_64_bits_is_a_paging_error(key: list[Any]) -> None:
    # no store column holds one, and the driver refuses to send one (a 500 before); JSON
    # parses larger ones, and smaller than -2**63, as fractions (see the typed keys below)
    with pytest.raises(PagingError):
        decode_token(encode_token(key), len(key))


@pytest.mark.parametrize("key", [[2**63 - 1, "A"], [-(2**63), "A"]])
def test_the_64_bit_bounds_themselves_round_trip(key: list[Any]) -> None:
    assert decode_token(encode_token(key), 2) == key


def test_a_typed_key_is_a_tuple_of_its_kinds() -> None:
    assert decode_typed(encode_token([1009, "c2"]), int, str) == (1009, "c2")
    assert decode_typed(encode_token(["c1"]), str) == ("c1",)
    assert decode_typed(None, int, str) is None


@pytest.mark.parametrize(
    "raw",
    [
        b'["x","A"]',
        b'[1e19,"A"]',
        b'[18446744073709551616,"A"]',  # parsed as a fraction
        b'[-9223372036854775809,"A"]',  # parsed as a fraction
        b'[1.0,"A"]',
        b"[5,6]",
        b'["A",5]',
        b"[5]",
    ],
)
def test_a_key_of_other_kinds_is_a_paging_error(raw: bytes) -> None:
    with pytest.raises(PagingError):
        decode_typed(_b64(raw), int, str)


def test_parse_int_defaults_for_missing_values() -> None:
    assert parse_int(None, "limit", 50, 100) == 50
    assert parse_int("", "limit", 50, 100) == 50


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("7", 7), ("100", 100), (7, 7)])
def test_parse_int_reads_whole_numbers(value: Any, expected: int) -> None:
    assert parse_int(value, "limit", 50, 100) == expected


@pytest.mark.parametrize("value", ["-1", "101", "x", "1.5", " 5", "1e2", "²", True, 1.5, -3])
def test_parse_int_refuses_the_rest_with_a_paging_error(value: Any) -> None:
    with pytest.raises(PagingError) as raised:
        parse_int(value, "limit", 50, 100)
    assert "'limit'" in str(raised.value)


def test_window_defaults() -> None:
    assert window(None, None) == (DEFAULT_LIMIT, 0)
    assert DEFAULT_LIMIT == 50


def test_window_allows_exactly_the_maximum() -> None:
    assert window(str(MAX_LIMIT), "0") == (MAX_LIMIT, 0)
    assert window("1", str(MAX_WINDOW - 1)) == (1, MAX_WINDOW - 1)
    assert MAX_LIMIT == MAX_WINDOW == 10_000


@pytest.mark.parametrize(("limit", "offset"), [("10001", "0"), ("1", "10000"), ("5000", "5001")])
def test_window_refuses_more_than_10000(limit: str, offset: str) -> None:
    with pytest.raises(PagingError):
        window(limit, offset)

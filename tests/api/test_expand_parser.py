"""``api.expand.parse_expand`` on its own: the cases in ``expand_cases.json`` (valid text and
its parsed value; invalid text and the position and message of its error), plus limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.expand import MAX_LENGTH, ExpandError, Expansion, parse_expand

CASES = json.loads((Path(__file__).parent / "expand_cases.json").read_text(encoding="utf-8"))


def _plain(parsed: dict[str, Expansion]) -> dict[str, Any]:
    """The parsed value in the data file's shape (empty parts left out)."""
    result: dict[str, Any] = {}
    for name, expansion in parsed.items():
        item: dict[str, Any] = {}
        if expansion.options:
            item["options"] = dict(expansion.options)
        if expansion.expand:
            item["expand"] = _plain(expansion.expand)
        result[name] = item
    return result


@pytest.mark.parametrize("case", CASES["valid"], ids=[c["text"] for c in CASES["valid"]])
def test_valid_text_parses_to_the_expected_value(case: dict[str, Any]) -> None:
    assert _plain(parse_expand(case["text"])) == case["parsed"]


@pytest.mark.parametrize("case", CASES["invalid"], ids=[c["text"] for c in CASES["invalid"]])
def test_invalid_text_is_an_error_at_the_expected_position(case: dict[str, Any]) -> None:
    with pytest.raises(ExpandError) as raised:
        parse_expand(case["text"])
    assert raised.value.position == case["position"]
    assert case["message"] in raised.value.message
    assert str(raised.value).endswith(f"(at position {case['position']}).")


def test_none_means_no_expansions() -> None:
    assert parse_expand(None) == {}


def test_text_longer_than_the_maximum_is_an_error() -> None:
    text = ",".join(f"e{i}()" for i in range(MAX_LENGTH))
    with pytest.raises(ExpandError):
        parse_expand(text)


def test_an_expand_error_is_a_value_error() -> None:
    assert issubclass(ExpandError, ValueError)


def test_the_parsed_value_is_frozen() -> None:
    parsed = parse_expand("fsn()")["fsn"]
    with pytest.raises(AttributeError):
        parsed.options = {}  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"), [("a(limit:0)", 0), ("a(limit:7)", 7), ("a()", 50), ("a(limit:100)", 100)]
)
def test_int_option_reads_a_whole_number_or_the_default(text: str, expected: int) -> None:
    assert parse_expand(text)["a"].int_option("limit", 50, 100) == expected


@pytest.mark.parametrize("value", ["x", "-1", "1.5", "101", "²", "1e2"])
def test_int_option_refuses_anything_else(value: str) -> None:
    expansion = parse_expand(f"a(limit:{value})")["a"]
    with pytest.raises(ExpandError):
        expansion.int_option("limit", 50, 100)

"""The parser against the hand-written corpus in cases.json.

Each case is {"input", "value" | "error", optional "str", optional "note"}. A value is written
as {"branch": [segments]} plus "at": ms or "base": true, or {"range": [[left], [right]]}. An
error gives the 0-based position into the input and a substring of the message. Every case is
run through `parse` and through `parse_carefully`, so the fast route is held to the same
answers as the careful one.
"""

import json
from pathlib import Path

import pytest

from snowpath import AtTimestamp, BaseOf, BranchPath, Expression, PathError, Range, parse
from snowpath.parse import parse_carefully

CASES = json.loads((Path(__file__).parent / "cases.json").read_text(encoding="utf-8"))
VALID = [case for case in CASES if "value" in case]
INVALID = [case for case in CASES if "error" in case]
PARSERS = [pytest.param(parse, id="parse"), pytest.param(parse_carefully, id="careful")]


def case_id(case: dict) -> str:
    text = case["input"]
    return repr(text if len(text) <= 40 else text[:37] + "...")


def expected_value(description: dict) -> Expression:
    if "range" in description:
        left, right = description["range"]
        return Range(BranchPath(tuple(left)), BranchPath(tuple(right)))
    path = BranchPath(tuple(description["branch"]))
    if "at" in description:
        return AtTimestamp(path, description["at"])
    if description.get("base"):
        return BaseOf(path)
    return path


def test_corpus_covers_both_outcomes():
    assert len(VALID) >= 40
    assert len(INVALID) >= 80
    assert all(("value" in case) != ("error" in case) for case in CASES)


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("case", VALID, ids=case_id)
def test_valid_case(case, parser):
    value = parser(case["input"])
    assert value == expected_value(case["value"])
    assert str(value) == case.get("str", case["input"])


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("case", INVALID, ids=case_id)
def test_invalid_case(case, parser):
    with pytest.raises(PathError) as caught:
        parser(case["input"])
    error = caught.value
    assert (error.position, case["error"]["message"] in error.message) == (
        case["error"]["position"],
        True,
    ), error.message
    assert 0 <= error.position <= len(case["input"])

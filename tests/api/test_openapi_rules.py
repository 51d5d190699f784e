"""The rules /openapi.json states (api/contract.py) agree with the code that enforces them:
what a pattern allows is accepted, and (for names) what it refuses is refused."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from api import contract
from api.schemas import branch_name
from api.sorting import parse_sort
from revisions.components import _id_violations
from revisions.registry import normalize_effective_time
from snowpath import BranchPath, parse

NAME_CHARS = st.text(alphabet="aZ09._~-/ @^!", max_size=12) | st.sampled_from(
    ["MAIN", "main", "Head", "LATEST", "next", "children", "..a", "a..b", "a...b", "a.", "x" * 101]
)


def _documented_name(name: str) -> bool:
    rule = contract.BRANCH_NAME
    return (
        re.fullmatch(rule["pattern"], name) is not None
        and len(name) <= rule["maxLength"]
        and re.search(rule["not"]["pattern"], name) is None
    )


def _accepted_name(name: str) -> bool:
    try:
        branch_name(name)
    except ValidationError:
        return False
    return True


@settings(max_examples=500, database=None, derandomize=True)
@given(NAME_CHARS)
def test_the_documented_branch_name_rule_is_the_server_s(name: str) -> None:
    assert _documented_name(name) == _accepted_name(name)


@settings(max_examples=200, database=None, derandomize=True)
@given(st.from_regex(contract.READ_PATH["pattern"], fullmatch=True))
def test_every_documented_read_path_parses(text: str) -> None:
    if any(re.search(rule["pattern"], text) for rule in contract.READ_PATH["not"]["anyOf"]):
        return  # the document's "not" leaves these out
    parse(text)


@settings(max_examples=200, database=None, derandomize=True)
@given(st.from_regex(contract.BRANCH_PATH["pattern"], fullmatch=True))
def test_every_documented_branch_path_is_a_plain_path(text: str) -> None:
    if re.search(contract.NO_RESERVED["pattern"], text):
        return
    assert isinstance(parse(text), BranchPath)


@settings(max_examples=200, database=None, derandomize=True)
@given(st.from_regex(contract.EFFECTIVE_TIME["pattern"], fullmatch=True))
def test_every_documented_effective_time_is_taken(text: str) -> None:
    assert len(normalize_effective_time(text)) == 8


@settings(max_examples=200, database=None, derandomize=True)
@given(st.from_regex(contract.COMPONENT_ID["pattern"], fullmatch=True))
def test_every_documented_component_id_is_taken(text: str) -> None:
    if len(text) <= contract.COMPONENT_ID["maxLength"]:
        assert _id_violations(text) == []


@pytest.mark.parametrize("kind", ["concept", "description", "mapping"])
def test_every_documented_sort_value_is_taken(kind: str) -> None:
    for value in contract.sort_values(kind):
        assert parse_sort(kind, value) is not None

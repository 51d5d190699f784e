"""The values: their properties, their constructors' checks, and the error they raise."""

import dataclasses
import pickle

import pytest

import snowpath
from snowpath import (
    MAX_NAME_LENGTH,
    RESERVED_NAMES,
    AtTimestamp,
    BaseOf,
    BranchPath,
    Expression,
    PathError,
    Range,
    parse,
)

MAIN = BranchPath(("MAIN",))


def test_public_names():
    assert set(snowpath.__all__) == {
        "parse",
        "PathError",
        "BranchPath",
        "AtTimestamp",
        "BaseOf",
        "Range",
        "Expression",
        "MAX_NAME_LENGTH",
        "RESERVED_NAMES",
    }
    assert MAX_NAME_LENGTH == 100
    assert frozenset({"MAIN", "HEAD", "LATEST", "NEXT"}) == RESERVED_NAMES


def test_absolute_path_properties():
    path = parse("MAIN/2021-01-31/SNOMEDCT-UK-CL")
    assert (path.is_absolute, path.codesystem, path.name) == (True, None, "SNOMEDCT-UK-CL")
    assert path.parent == BranchPath(("MAIN", "2021-01-31"))
    assert path.parent.parent == MAIN
    assert MAIN.parent is None


def test_relative_path_properties():
    path = parse("SNOMEDCT-UK-CL/100")
    assert (path.is_absolute, path.codesystem, path.name) == (False, "SNOMEDCT-UK-CL", "100")
    assert path.parent == BranchPath(("SNOMEDCT-UK-CL",))
    assert path.parent.parent is None


def test_symbolic_version_is_the_name_and_code_system_is_the_parent():
    path = parse("CS/LATEST")
    assert (path.codesystem, path.name, path.parent) == ("CS", "LATEST", BranchPath(("CS",)))


def test_every_value_is_an_expression():
    values = [MAIN, AtTimestamp(MAIN, 1), BaseOf(BranchPath(("CS",))), Range(MAIN, MAIN)]
    assert all(isinstance(value, Expression) for value in values)


def test_values_are_frozen_and_hashable():
    path = parse("MAIN/a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        path.segments = ("MAIN",)  # type: ignore[misc]
    assert len({path, parse("MAIN/a"), BranchPath(("MAIN", "a"))}) == 1
    assert hash(parse("MAIN/a@5")) == hash(AtTimestamp(BranchPath(("MAIN", "a")), 5))


@pytest.mark.parametrize(
    ("segments", "position"),
    [
        ((), 0),
        (("MAIN", ""), 5),
        (("MAIN/a",), 4),
        (("MAIN", "a@5"), 6),
        (("MAIN", "a..."), 6),
        (("MAIN", "x...y"), 6),
        (("MAIN", "a."), 6),
        (("MAIN", "HEAD"), 5),
        (("main",), 0),
        (("CS", "1", "HEAD"), 5),
    ],
)
def test_branch_path_refuses_what_would_not_round_trip(segments, position):
    with pytest.raises(PathError) as caught:
        BranchPath(segments)
    assert caught.value.position == position


@pytest.mark.parametrize("segments", [["MAIN"], "MAIN", ("MAIN", 1), None])
def test_branch_path_refuses_wrong_types(segments):
    with pytest.raises(TypeError):
        BranchPath(segments)


@pytest.mark.parametrize(
    ("make", "position"),
    [
        (lambda: AtTimestamp(BranchPath(("MAIN", "a")), 0), 7),
        (lambda: AtTimestamp(MAIN, -5), 5),
        (lambda: AtTimestamp(MAIN, 253_402_300_800_000), 5),
        (lambda: BaseOf(MAIN), 4),
        (lambda: Range(BranchPath(("CS",)), MAIN), 0),
        (lambda: Range(BranchPath(("MAIN", "a")), BranchPath(("CS", "1"))), 9),
    ],
)
def test_constructors_refuse_invalid_values(make, position):
    with pytest.raises(PathError) as caught:
        make()
    assert caught.value.position == position


@pytest.mark.parametrize(
    "make",
    [
        lambda: AtTimestamp(MAIN, True),
        lambda: AtTimestamp(MAIN, 5.0),
        lambda: AtTimestamp("MAIN", 5),
        lambda: BaseOf("MAIN/a"),
        lambda: Range(MAIN, "MAIN"),
    ],
)
def test_constructors_refuse_wrong_types(make):
    with pytest.raises(TypeError):
        make()


def test_path_error_is_a_value_error_naming_position_and_problem():
    with pytest.raises(ValueError, match=r"'\?'.*position 6") as caught:
        parse("MAIN/a?b")
    assert isinstance(caught.value, PathError)
    assert (caught.value.position, caught.value.message[:20]) == (6, "invalid character '?")


def test_path_error_survives_pickling():
    error = PathError("bad", 3)
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.message, copy.position, str(copy)) == (
        PathError,
        "bad",
        3,
        "bad (at position 3)",
    )


def test_long_input_is_quoted_briefly():
    with pytest.raises(PathError) as caught:
        parse("MAIN/" + "a" * 10_000)
    assert len(caught.value.message) < 120

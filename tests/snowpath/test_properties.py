"""Properties of the parser over generated values and arbitrary text."""

import datetime
import string

from hypothesis import given, reject, settings
from hypothesis import strategies as st

from snowpath import (
    MAX_NAME_LENGTH,
    RESERVED_NAMES,
    AtTimestamp,
    BaseOf,
    BranchPath,
    PathError,
    Range,
    parse,
)
from snowpath.grammar import MAX_TIMESTAMP
from snowpath.parse import parse_carefully

NAME_CHARS = string.ascii_letters + string.digits + "._~-"
MAIN = BranchPath(("MAIN",))
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)

names = st.builds(
    str.__add__,
    st.text(NAME_CHARS, max_size=MAX_NAME_LENGTH - 1),
    st.sampled_from(NAME_CHARS.replace(".", "")),
).filter(lambda name: "..." not in name and name.upper() not in RESERVED_NAMES)
absolute_paths = st.lists(names, max_size=4).map(lambda rest: BranchPath(("MAIN", *rest)))
relative_paths = st.one_of(
    st.builds(lambda first, rest: BranchPath((first, *rest)), names, st.lists(names, max_size=3)),
    st.builds(
        lambda first, last: BranchPath((first, last)), names, st.sampled_from(["HEAD", "LATEST"])
    ),
)
paths = absolute_paths | relative_paths
timestamps = st.integers(1, MAX_TIMESTAMP)
expressions = st.one_of(
    paths,
    st.builds(AtTimestamp, paths, timestamps),
    st.builds(BaseOf, paths.filter(lambda path: path != MAIN)),
    st.builds(Range, absolute_paths, absolute_paths),
)
# Text near the grammar: the alphabet of the brief, and whole tokens, so that the generated
# inputs reach deep into the parser instead of failing at the first character.
grammar_alphabet = st.text(alphabet="MAIN/a.@^%5E0123456789", max_size=30)
tokens = st.lists(
    st.sampled_from(
        [
            "MAIN",
            "CS",
            "a",
            "/",
            ".",
            "...",
            "@",
            "^",
            "%40",
            "%5E",
            "%2e",
            "%",
            "HEAD",
            "main",
            "1630504199999",
            "0",
            "-",
            "2021-09-01T13:50:00",
            "Z",
            "+01:00",
            ".123",
            " ",
        ]
    ),
    max_size=10,
).map("".join)
OUTSIDE_GRAMMAR = NAME_CHARS + "/@^%"


def outcome(parser, text):
    """("value", v) or ("error", position, message); any other exception fails the test."""
    try:
        return ("value", parser(text))
    except PathError as error:
        return ("error", error.position, error.message)


@settings(max_examples=300)
@given(expressions)
def test_str_round_trips(value):
    assert parse(str(value)) == value
    assert hash(parse(str(value))) == hash(value)


@settings(max_examples=200)
@given(expressions)
def test_careful_route_gives_the_same_values(value):
    assert parse_carefully(str(value)) == value


@settings(max_examples=200)
@given(expressions, st.data())
def test_percent_encoding_is_transparent(value, data):
    escapes = {"@": ["%40"], "^": ["%5E", "%5e"], ".": ["%2E", "%2e"]}
    encoded = "".join(
        data.draw(st.sampled_from([char, *escapes[char]])) if char in escapes else char
        for char in str(value)
    )
    assert parse(encoded) == value


@settings(max_examples=200)
@given(expressions, st.data())
def test_a_stray_character_is_reported_where_it_was_inserted(value, data):
    text = str(value)
    at = data.draw(st.integers(0, len(text)))
    stray = data.draw(st.characters(exclude_characters=OUTSIDE_GRAMMAR))
    assert outcome(parse, text[:at] + stray + text[at:])[:2] == ("error", at)


def check_arbitrary(text):
    result = outcome(parse, text)
    assert result == outcome(parse_carefully, text)
    if result[0] == "value":
        assert parse(str(result[1])) == result[1]
    else:
        assert 0 <= result[1] <= len(text)
        assert result[2]


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_any_text_gives_a_value_or_path_error(text):
    check_arbitrary(text)


@settings(max_examples=300)
@given(grammar_alphabet)
def test_text_from_the_grammar_alphabet_gives_a_value_or_path_error(text):
    check_arbitrary(text)


@settings(max_examples=300)
@given(tokens)
def test_token_soup_gives_a_value_or_path_error(text):
    check_arbitrary(text)


@settings(max_examples=200)
@given(
    timestamps,
    st.integers(-(24 * 60 - 1), 24 * 60 - 1),
    st.booleans(),
    st.booleans(),
)
def test_iso_instants_and_milliseconds_agree(millis, offset_minutes, trim_fraction, write_z):
    zone = datetime.timezone(datetime.timedelta(minutes=offset_minutes))
    try:
        local = (EPOCH + datetime.timedelta(milliseconds=millis)).astimezone(zone)
    except OverflowError:
        reject()  # the local date would fall outside years 1..9999
    fraction = f".{local.microsecond // 1000:03d}"
    if trim_fraction:
        fraction = fraction.rstrip("0").rstrip(".")
    hours, minutes = divmod(abs(offset_minutes), 60)
    sign = "-" if offset_minutes < 0 else "+"
    suffix = "Z" if write_z and offset_minutes == 0 else f"{sign}{hours:02d}:{minutes:02d}"
    iso = (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}T"
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}{fraction}{suffix}"
    )
    oracle = (datetime.datetime.fromisoformat(iso) - EPOCH) // datetime.timedelta(milliseconds=1)
    assert oracle == millis
    assert parse(f"MAIN@{iso}") == parse(f"MAIN@{millis}") == AtTimestamp(MAIN, millis)

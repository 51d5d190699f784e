"""What a read selects: :class:`Filter`, and the SQL predicates it stands for.

A filter is a hashable value (it is part of cache keys). Its predicates apply to revision
rows; ``revisions.read`` applies them per segment and then keeps only rows that are the
visible revision of their component, so a filter always judges what the view shows.

- ``ids``: component ids; ``equals``: field equalities (a tuple value means "any of");
- ``contains``: a list field (``parents``) holds any of the given ids;
- ``effective_time``: released with that version's effective time (see ``View.releases``);
- ``term``: descriptions whose term contains every word of the text as a word prefix
  (full-text index: FTS5 on SQLite, a ``simple`` tsvector on PostgreSQL).

A value holding NUL is refused (:class:`InvalidRequest` naming the field): no stored text
holds one (``revisions.values``), and PostgreSQL cannot even take it as a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    ARRAY,
    Boolean,
    ColumnElement,
    String,
    and_,
    any_,
    bindparam,
    cast,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import JSONB, TSQUERY
from sqlalchemy.types import TypeEngine

from revisions.components import ComponentType
from revisions.errors import InvalidRequest
from revisions.values import text_problem
from revisions.visibility import View

LIST_FIELDS = ("parents",)
# Letters and digits: both full-text parsers split at '_' and other word characters.
_WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 10
# The longest word a search may hold, in UTF-8 bytes: PostgreSQL's lexemes (longer words are
# left out of every term's index, and a full-text query refuses them).
MAX_WORD_BYTES = 2047
descriptions_fts = table("descriptions_fts", column("rowid"), column("descriptions_fts"))


def words(text: str) -> list[str]:
    """The searchable words of ``text``, lower-cased (at most :data:`MAX_WORDS`); a word over
    :data:`MAX_WORD_BYTES` is refused (:class:`InvalidRequest`), on every backend alike."""
    found = [w.lower() for w in _WORD.findall(text)][:MAX_WORDS]
    if any(len(word.encode()) > MAX_WORD_BYTES for word in found):
        raise InvalidRequest(
            f"A word of the search text is longer than {MAX_WORD_BYTES:,} bytes (UTF-8), "
            "longer than any word a term's index holds."
        )
    return found


@dataclass(frozen=True, slots=True)
class Filter:
    ids: tuple[str, ...] | None = None
    equals: tuple[tuple[str, Any], ...] = ()
    contains: tuple[tuple[str, tuple[str, ...]], ...] = ()
    effective_time: str | None = None
    term: str | None = None

    def __post_init__(self) -> None:
        """Refuse a value no stored text can equal (see the module docstring)."""
        named: list[tuple[str, Any]] = [("id", self.ids or ()), *self.equals, *self.contains]
        named += [("effective_time", self.effective_time), ("term", self.term)]
        for name, value in named:
            for text in value if isinstance(value, tuple) else (value,):
                if isinstance(text, str) and (problem := text_problem(text)):
                    raise InvalidRequest(f"The filter '{name}' {problem}.")

    @classmethod
    def of(
        cls,
        ids: Iterable[str] | None = None,
        *,
        contains: dict[str, Iterable[str]] | None = None,
        effective_time: str | None = None,
        term: str | None = None,
        **equals: Any,
    ) -> Filter:
        pairs = tuple(
            sorted(
                (name, tuple(sorted(value)) if isinstance(value, list | set | tuple) else value)
                for name, value in equals.items()
                if value is not None
            )
        )
        held = tuple(sorted((k, tuple(sorted(set(v)))) for k, v in (contains or {}).items()))
        return cls(
            tuple(sorted(set(ids))) if ids is not None else None,
            pairs,
            held,
            effective_time,
            term if term and term.strip() else None,
        )

    def predicates(self, ctype: ComponentType, view: View, dialect: str) -> list[Any]:
        """SQL conditions on ``ctype``'s revision rows (tombstones never match)."""
        t = ctype.table
        result: list[Any] = [t.c.deleted == false()]
        if self.ids is not None:
            result.append(one_of(t.c.component_id, self.ids, dialect))
        for name, value in self.equals:
            if name not in ctype.field_names or name in (*LIST_FIELDS, "extras"):
                raise InvalidRequest(f"Cannot filter {ctype.name}s by '{name}'.")
            col = t.c[name]
            result.append(col.in_(value) if isinstance(value, tuple) else col == value)
        for name, values in self.contains:
            if name not in ctype.field_names or name not in LIST_FIELDS:
                raise InvalidRequest(f"Cannot filter {ctype.name}s by '{name}' membership.")
            result.append(or_(false(), *(_list_has(t.c[name], v, dialect) for v in values)))
        if self.effective_time is not None:
            result.append(released_as(t, view, self.effective_time))
        if self.term is not None:
            if ctype.name != "description":
                raise InvalidRequest(f"Cannot search {ctype.name}s by term.")
            result.append(term_match(t, self.term, dialect))
        return result


def one_of(
    col: Any, values: Sequence[Any], dialect: str, kind: TypeEngine[Any] | None = None
) -> ColumnElement[bool]:
    """``col`` is one of ``values``, bound as one value however many they are: one bound
    value each stops at the drivers' limits (PostgreSQL takes 65,535 a statement, SQLite
    32,766), which an id filter of 65,536 ids passed (a 500; a helper's probe, 2026-12-08).
    PostgreSQL compares with an array (what it makes of an ``IN`` list anyway), SQLite
    with the JSON array's elements. ``kind``: the values' type (default text)."""
    if dialect == "postgresql":
        return col == any_(bindparam(None, list(values), type_=ARRAY(kind or String())))
    each = func.json_each(bindparam(None, orjson.dumps(list(values)).decode(), type_=String))
    return col.in_(select(each.table_valued("value").c.value))


def _list_has(col: Any, value: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # A real encoder: control characters, quotes and backslashes all escaped.
        document = orjson.dumps([value]).decode()
        return col.op("@>")(func.cast(literal(document), JSONB))
    each = func.json_each(col).table_valued("value")
    return exists(select(literal(1)).select_from(each).where(each.c.value == value))


def released_as(t: Any, view: View, effective: str) -> ColumnElement[bool]:
    """Rows the view shows as released with effective time ``effective``."""
    windows = []
    for branch_id, releases in view.releases.items():
        previous = None
        for base_ts, value in releases:
            if value == effective:
                lower = [] if previous is None else [t.c.start_ts > previous]
                windows.append(and_(t.c.branch_id == branch_id, t.c.start_ts <= base_ts, *lower))
            previous = base_ts
    return or_(false(), *windows)


def term_match(t: Any, text: str, dialect: str) -> ColumnElement[bool]:
    """Descriptions whose term has every word of ``text`` as a word prefix."""
    found = words(text)
    if not found:
        raise InvalidRequest("A term search needs at least one letter or digit.")
    query = term_query(found, dialect)
    if dialect == "postgresql":
        # A literal, not a parameter: the planner must see the query to estimate it (a
        # prepared generic plan cannot). The query holds only \w words and operators, so it
        # cannot break out of the quotes.
        return matches_query(t, dialect, literal_column(f"'{query}'"))
    return matches_query(t, dialect, query)


def term_query(found: list[str], dialect: str, expansions: Mapping[str, str] | None = None) -> str:
    """The full-text query for ``found`` words (from :func:`words`): every word a prefix.

    ``expansions`` (PostgreSQL) may give, per word, a full-text query of every indexed whole
    word it is a prefix of (:class:`revisions.search.Expansions`): matching any of them is
    the same as matching the prefix, and GIN finds whole words several times faster.
    """
    if dialect == "postgresql":
        whole = expansions or {}
        return " & ".join(f"({whole[w]})" if w in whole else f"{w}:*" for w in found)
    return " AND ".join(f'"{w}"*' for w in found)


def matches_query(t: Any, dialect: str, query: Any, indexed: bool = True) -> ColumnElement[bool]:
    """Rows of the description table ``t`` whose term matches ``query`` (a
    :func:`term_query` text, as a literal or a bound parameter). ``indexed`` false
    (PostgreSQL): the same test in a form no index serves (the function behind ``@@``), for
    rows the statement reads another way, each tested on its own."""
    if dialect == "postgresql":
        vector = func.to_tsvector(literal_column("'simple'::regconfig"), t.c.term)
        if not indexed:
            return func.ts_match_vq(vector, cast(query, TSQUERY), type_=Boolean)
        return vector.op("@@")(cast(query, TSQUERY))
    matching = select(descriptions_fts.c.rowid).where(
        descriptions_fts.c.descriptions_fts.op("MATCH")(query)
    )
    return t.c.rev_id.in_(matching)

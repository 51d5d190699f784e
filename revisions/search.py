"""Concept search by term: concepts whose visible descriptions match, best match first.

Every word of the text must be a word prefix of an active description's term, in any
order (the full-text index of ``revisions.filters.term_match``). Matches are ranked by
how well the best description of each concept matches: the whole term equal to the text,
then the term starting with the text, then the rest; ties by shorter term, then by concept
id. Scores, hiding by shallower segments and the best score per concept are computed by
the database in one statement. Results are exact: every matching description in the view
counts, then only the concepts the view shows that pass the other filters.

Without other filters the database also ranks, counts and cuts the page, so only the page
travels. On PostgreSQL each typed prefix is first replaced by the whole words it stands
for (``search_words``, see migration 0004), which GIN finds several times faster than a
prefix; a prefix of more than :data:`MAX_EXPANSION` words stays a prefix.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    Connection,
    LargeBinary,
    and_,
    bindparam,
    case,
    cast,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased

from revisions.components import CONCEPT, DESCRIPTION
from revisions.errors import InvalidRequest
from revisions.filters import Filter, matches_query, term_query, words
from revisions.read import page, segment_params, valid_at
from revisions.views import SegmentRows, View

_MAX_LENGTH = 999
MAX_EXPANSION = 64
_WORD = re.compile(r"^\w+$")
_search_words = table("search_words", column("word"))


@dataclass(frozen=True, slots=True)
class Hit:
    score: int
    concept_id: str


def score_expression(term: Any, dialect: str) -> Any:
    """SQL for a description's score: 1000 * tier + length in UTF-8 bytes (capped); lower
    is better.

    Tier 0: the term is the text (bound as ``norm``, ``norm_length`` characters long); 1:
    the term starts with it; 2: the words match elsewhere. Only the term's first
    ``norm_length`` characters are lowercased (both databases lowercase character by
    character), and the length is the stored size, not a count of characters: together
    they were a third of a common word's search time.
    """
    starts = func.lower(func.substr(term, 1, bindparam("norm_length"))) == bindparam("norm")
    tier = case(
        (starts, case((func.length(term) == bindparam("norm_length"), 0), else_=1000)),
        else_=2000,
    )
    size = (
        func.octet_length(term) if dialect == "postgresql" else func.length(cast(term, LargeBinary))
    )
    return tier + case((size > _MAX_LENGTH, _MAX_LENGTH), else_=size)


def concept_page(
    connection: Connection,
    view: View,
    text: str,
    concept_filter: Filter,
    *,
    after: tuple[int, str] | None,
    offset: int,
    limit: int,
    segment_rows: SegmentRows,
) -> tuple[list[Hit], int, bool]:
    """One page of the concepts matching ``text`` that pass ``concept_filter``, best first
    after the (score, id) key ``after``, skipping ``offset``: (hits, total, more follow)."""
    described = segment_rows.with_rows(connection, view, DESCRIPTION.table)
    params = _params(connection, described, text)
    if params is None:
        return [], 0, False
    if concept_filter == Filter() and not view.exclude:
        return _ranked_page(connection, described, params, after, offset, limit)
    hits = _filtered_hits(connection, view, described, params, concept_filter)
    start = offset
    if after is not None:
        start = next((i for i, h in enumerate(hits) if (h.score, h.concept_id) > after), len(hits))
    return hits[start : start + limit], len(hits), start + limit < len(hits)


def _ranked_page(
    connection: Connection,
    view: View,
    params: dict[str, Any],
    after: tuple[int, str] | None,
    offset: int,
    limit: int,
) -> tuple[list[Hit], int, bool]:
    """The page ranked, counted and cut by the database (a visible description's concept
    is visible: commits and merges keep references whole, so no concept check is needed)."""
    dialect = connection.dialect.name
    stmt = _ranked_statement(len(view.segments), dialect, after is not None)
    params = {**params, "offset": offset, "limit": limit + 1}
    if after is not None:
        params.update(after_score=after[0], after_id=after[1])
    rows = connection.execute(stmt, params).all()
    if rows:
        count = rows[0].total
    else:
        best = _best_statement(len(view.segments), dialect)
        count = connection.execute(select(func.count()).select_from(best), params).scalar_one()
    hits = [Hit(int(row.score), row.concept_id) for row in rows[:limit]]
    return hits, count, len(rows) > limit


def _filtered_hits(
    connection: Connection,
    view: View,
    described: View,
    params: dict[str, Any],
    concept_filter: Filter,
) -> list[Hit]:
    """All hits whose concept the view shows passing ``concept_filter``, best first
    (``described``: the view's segments that hold descriptions)."""
    best_statement = _best_statement(len(described.segments), connection.dialect.name)
    best = {cid: int(score) for cid, score in connection.execute(select(best_statement), params)}
    allowed = _visible_matching(connection, view, sorted(best), concept_filter) if best else []
    hits = [Hit(best[cid], cid) for cid in allowed]
    hits.sort(key=lambda h: (h.score, h.concept_id))
    return hits


def _params(connection: Connection, view: View, text: str) -> dict[str, Any] | None:
    """The values the search statements bind; None when nothing can match."""
    found = words(text)
    if not found:
        raise InvalidRequest("A term search needs at least one letter or digit.")
    dialect = connection.dialect.name
    expansions = _expansions(connection, found) if dialect == "postgresql" else {}
    if not view.segments or any(whole == [] for whole in expansions.values()):
        return None
    norm = " ".join(found)  # the text as the ranking compares it
    return {
        **segment_params(view),
        "term_query": term_query(found, dialect, expansions),
        "norm": norm,
        "norm_length": len(norm),
    }


@functools.cache
def _ranked_statement(segments: int, dialect: str, has_after: bool) -> Any:
    best = _best_statement(segments, dialect)
    total = select(func.count()).select_from(best).scalar_subquery()
    stmt = select(best.c.concept_id, best.c.score, total.label("total")).order_by(
        best.c.score, best.c.concept_id
    )
    if has_after:
        key = tuple_(bindparam("after_score"), bindparam("after_id"))
        stmt = stmt.where(tuple_(best.c.score, best.c.concept_id) > key)
    return stmt.offset(bindparam("offset")).limit(bindparam("limit"))


@functools.cache
def _best_statement(segments: int, dialect: str) -> Any:
    """A CTE of (concept_id, score): the best score per concept over the matching
    descriptions a view of ``segments`` segments shows.

    Per segment, matching rows valid there that no shallower segment has a revision of (a
    revision there, even a tombstone or a non-matching one, hides them); then the best
    score per concept. Built once per shape; everything else is bound.
    """
    table = DESCRIPTION.table
    match = [
        table.c.deleted == false(),
        table.c.active == true(),
        matches_query(table, dialect, bindparam("term_query")),
    ]
    parts = []
    for depth in range(segments):
        where = [*valid_at(table, depth), *match]
        if depth:
            shallower = aliased(table)
            hidden = [and_(*valid_at(shallower, k)) for k in range(depth)]
            where.append(
                ~exists().where(shallower.c.component_id == table.c.component_id, or_(*hidden))
            )
        parts.append(
            select(
                table.c.concept_id, score_expression(table.c.term, dialect).label("score")
            ).where(*where)
        )
    matches = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    return (
        select(matches.c.concept_id, func.min(matches.c.score).label("score"))
        .group_by(matches.c.concept_id)
        .cte("best")
    )


def _after_prefix(word: str) -> str:
    """The smallest string greater than every string starting with ``word`` (byte order,
    the word list's collation)."""
    return word[:-1] + chr(ord(word[-1]) + 1)


def _expansions(connection: Connection, found: list[str]) -> dict[str, list[str]]:
    """Per typed word, the indexed whole words it is a prefix of; a word with more than
    :data:`MAX_EXPANSION` of them (or one a plain tsquery word cannot spell) is left out."""
    params = {f"from{i}": word for i, word in enumerate(found)}
    params.update({f"to{i}": _after_prefix(word) for i, word in enumerate(found)})
    whole: dict[int, list[str]] = {i: [] for i in range(len(found))}
    for i, word in connection.execute(_expansion_statement(len(found)), params):
        whole[i].append(word)
    return {
        found[i]: lexemes
        for i, lexemes in whole.items()
        if len(lexemes) <= MAX_EXPANSION and all(_WORD.match(w) for w in lexemes)
    }


@functools.cache
def _expansion_statement(count: int) -> Any:
    """(i, word) for up to ``MAX_EXPANSION + 1`` words from ``from{i}`` up to ``to{i}``, for
    each of ``count`` typed words. Built once per count."""
    words_ = _search_words.c.word
    parts = [
        select(literal_column(str(i)).label("i"), words_)
        .where(words_ >= bindparam(f"from{i}"), words_ < bindparam(f"to{i}"))
        .order_by(words_)
        .limit(MAX_EXPANSION + 1)
        for i in range(count)
    ]
    return parts[0] if count == 1 else union_all(*(p.subquery().select() for p in parts))


def _visible_matching(
    connection: Connection, view: View, ids: list[str], concept_filter: Filter
) -> list[str]:
    found: list[str] = []
    for start in range(0, len(ids), 5000):
        chunk = tuple(ids[start : start + 5000])
        chunk_filter = replace(concept_filter, ids=_intersect(concept_filter.ids, chunk))
        after = None
        while True:
            items, after = page(connection, CONCEPT, view, chunk_filter, after, 10_000)
            found += [c.id for c in items]
            if after is None:
                break
    return found


def _intersect(current: tuple[str, ...] | None, chunk: tuple[str, ...]) -> tuple[str, ...]:
    return chunk if current is None else tuple(sorted(set(current) & set(chunk)))

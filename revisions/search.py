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

import re
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    Connection,
    case,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    table,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased

from revisions.components import CONCEPT, DESCRIPTION
from revisions.filters import Filter, term_match, words
from revisions.read import page
from revisions.views import View, valid_in

_MAX_LENGTH = 999
MAX_EXPANSION = 64
_WORD = re.compile(r"^\w+$")
_search_words = table("search_words", column("word"))


@dataclass(frozen=True, slots=True)
class Hit:
    score: int
    concept_id: str


def normalized(text: str) -> str:
    """The search text as the ranking compares it: its words, lower-cased, one space apart."""
    return " ".join(words(text))


def score_expression(term: Any, text: str) -> Any:
    """SQL for a description's score: 1000 * tier + length (capped); lower is better.

    Tier 0: the term is the text; 1: the term starts with it; 2: the words match elsewhere.
    """
    norm = normalized(text)
    pattern = norm.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    lowered = func.lower(term)
    tier = case((lowered == norm, 0), (lowered.like(pattern, escape="\\"), 1000), else_=2000)
    length = func.length(term)
    return tier + case((length > _MAX_LENGTH, _MAX_LENGTH), else_=length)


def concept_page(
    connection: Connection,
    view: View,
    text: str,
    concept_filter: Filter,
    *,
    after: tuple[int, str] | None,
    offset: int,
    limit: int,
) -> tuple[list[Hit], int, bool]:
    """One page of the concepts matching ``text`` that pass ``concept_filter``, best first
    after the (score, id) key ``after``, skipping ``offset``: (hits, total, more follow)."""
    if concept_filter == Filter() and not view.exclude:
        return _ranked_page(connection, view, text, after, offset, limit)
    hits = concept_hits(connection, view, text, concept_filter)
    start = offset
    if after is not None:
        start = next((i for i, h in enumerate(hits) if (h.score, h.concept_id) > after), len(hits))
    return hits[start : start + limit], len(hits), start + limit < len(hits)


def _ranked_page(
    connection: Connection,
    view: View,
    text: str,
    after: tuple[int, str] | None,
    offset: int,
    limit: int,
) -> tuple[list[Hit], int, bool]:
    """The page ranked, counted and cut by the database (a visible description's concept
    is visible: commits and merges keep references whole, so no concept check is needed)."""
    best = _best_scores(connection, view, text)
    if best is None:
        return [], 0, False
    total = select(func.count()).select_from(best).scalar_subquery()
    stmt = select(best.c.concept_id, best.c.score, total.label("total")).order_by(
        best.c.score, best.c.concept_id
    )
    if after is not None:
        stmt = stmt.where(tuple_(best.c.score, best.c.concept_id) > tuple_(*after))
    rows = connection.execute(stmt.offset(offset).limit(limit + 1)).all()
    if rows:
        count = rows[0].total
    else:
        count = connection.execute(select(func.count()).select_from(best)).scalar_one()
    hits = [Hit(int(row.score), row.concept_id) for row in rows[:limit]]
    return hits, count, len(rows) > limit


def concept_hits(
    connection: Connection, view: View, text: str, concept_filter: Filter
) -> list[Hit]:
    """All concepts matching ``text`` that pass ``concept_filter``, best first."""
    best_scores = _best_scores(connection, view, text)
    if best_scores is None:
        return []
    best = {cid: int(score) for cid, score in connection.execute(select(best_scores))}
    if not best:
        return []
    if concept_filter == Filter() and not view.exclude:
        # A visible description's concept is visible (commits and merges keep references
        # whole), so with nothing else to check every concept found is a hit.
        allowed = list(best)
    else:
        allowed = _visible_matching(connection, view, sorted(best), concept_filter)
    hits = [Hit(best[cid], cid) for cid in allowed]
    hits.sort(key=lambda h: (h.score, h.concept_id))
    return hits


def _best_scores(connection: Connection, view: View, text: str) -> Any:
    """A subquery of (concept_id, score): the best score per concept over the matching
    descriptions the view shows; None when nothing can match.

    Per segment, matching rows valid there that no shallower segment has a revision of (a
    revision there, even a tombstone or a non-matching one, hides them); then the best
    score per concept.
    """
    table = DESCRIPTION.table
    dialect = connection.dialect.name
    found = words(text)
    expansions = _expansions(connection, found) if dialect == "postgresql" and found else {}
    if any(whole == [] for whole in expansions.values()):
        return None
    match = [
        *Filter.of(active=True).predicates(DESCRIPTION, view, dialect),
        term_match(table, text, dialect, expansions),
    ]
    parts = []
    for depth, segment in enumerate(view.segments):
        where = [valid_in(table, segment), *match]
        if depth:
            shallower = aliased(table)
            hidden = [valid_in(shallower, s) for s in view.segments[:depth]]
            where.append(
                ~exists().where(shallower.c.component_id == table.c.component_id, or_(*hidden))
            )
        parts.append(
            select(table.c.concept_id, score_expression(table.c.term, text).label("score")).where(
                *where
            )
        )
    if not parts:
        return None
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
    parts = [
        select(literal(i).label("i"), _search_words.c.word)
        .where(_search_words.c.word >= word, _search_words.c.word < _after_prefix(word))
        .order_by(_search_words.c.word)
        .limit(MAX_EXPANSION + 1)
        for i, word in enumerate(found)
    ]
    stmt = parts[0] if len(parts) == 1 else union_all(*(p.subquery().select() for p in parts))
    whole: dict[int, list[str]] = {i: [] for i in range(len(found))}
    for i, word in connection.execute(stmt):
        whole[i].append(word)
    return {
        found[i]: lexemes
        for i, lexemes in whole.items()
        if len(lexemes) <= MAX_EXPANSION and all(_WORD.match(w) for w in lexemes)
    }


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

"""Concept search by term: concepts whose visible descriptions match, best match first.

Every word of the text must be a word prefix of an active description's term, in any
order (the full-text index of ``revisions.filters.term_match``). Matches are ranked by
how well the best description of each concept matches: the whole term equal to the text,
then the term starting with the text, then the rest; ties by shorter term, then by concept
id. Scores, hiding by shallower segments and the best score per concept are computed by
the database in one statement. Results are exact: every matching description in the view
counts, then only the concepts the view shows that pass the other filters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, case, exists, func, or_, select, union_all
from sqlalchemy.orm import aliased

from revisions.components import CONCEPT, DESCRIPTION
from revisions.filters import Filter, words
from revisions.read import page
from revisions.views import View, valid_in

_MAX_LENGTH = 999


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


def concept_hits(
    connection: Connection, view: View, text: str, concept_filter: Filter
) -> list[Hit]:
    """All concepts matching ``text`` that pass ``concept_filter``, best first."""
    best = _best_description_scores(connection, view, text)
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


def _best_description_scores(connection: Connection, view: View, text: str) -> dict[str, int]:
    """Best score per concept over the matching descriptions the view shows.

    Per segment, matching rows valid there that no shallower segment has a revision of (a
    revision there, even a tombstone or a non-matching one, hides them); then the best
    score per concept, all in one statement.
    """
    table = DESCRIPTION.table
    match = Filter.of(term=text, active=True).predicates(DESCRIPTION, view, connection.dialect.name)
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
        return {}
    matches = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    stmt = select(matches.c.concept_id, func.min(matches.c.score)).group_by(matches.c.concept_id)
    return {concept_id: int(best) for concept_id, best in connection.execute(stmt)}


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

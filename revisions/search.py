"""Concept search by term: concepts whose visible descriptions match, best match first.

Every word of the text must be a word prefix of an active description's term, in any
order (the full-text index of ``revisions.filters.term_match``). Matches are ranked by
how well the best description of each concept matches: the whole term equal to the text,
then the term starting with the text, then every word matching whole, then prefixes only;
ties by shorter term, then by concept id. Results are exact: every matching description
in the view is considered, then the concepts the view shows that pass the other filters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection, literal, select, union_all

from revisions.components import CONCEPT, DESCRIPTION
from revisions.filters import Filter, words
from revisions.read import page, visible_rows
from revisions.views import View, valid_in

_MAX_LENGTH = 999


@dataclass(frozen=True, slots=True)
class Hit:
    score: int
    concept_id: str


def score(term: str, text: str) -> int:
    """Lower is better: 1000 * match tier + term length (capped)."""
    wanted = words(text)
    term_lower = term.lower()
    got = words(term)
    if got == wanted:
        tier = 0
    elif term_lower.startswith(" ".join(wanted)) or got[: len(wanted)] == wanted:
        tier = 1
    elif all(w in got for w in wanted):
        tier = 2
    else:
        tier = 3
    return tier * 1000 + min(len(term), _MAX_LENGTH)


def concept_hits(
    connection: Connection, view: View, text: str, concept_filter: Filter
) -> list[Hit]:
    """All concepts matching ``text`` that pass ``concept_filter``, best first."""
    best = _best_description_scores(connection, view, text)
    if not best:
        return []
    allowed = _visible_matching(connection, view, sorted(best), concept_filter)
    hits = [Hit(best[cid], cid) for cid in allowed]
    hits.sort(key=lambda h: (h.score, h.concept_id))
    return hits


def _best_description_scores(connection: Connection, view: View, text: str) -> dict[str, int]:
    table = DESCRIPTION.table
    match = Filter.of(term=text, active=True).predicates(DESCRIPTION, view, connection.dialect.name)
    parts = [
        select(
            table.c.component_id,
            table.c.concept_id,
            table.c.term,
            literal(depth).label("depth"),
        ).where(valid_in(table, segment), *match)
        for depth, segment in enumerate(view.segments)
    ]
    if not parts:
        return {}
    rows = list(connection.execute(parts[0] if len(parts) == 1 else union_all(*parts)))
    deep = [r.component_id for r in rows if r.depth > 0]
    deciding = visible_rows(connection, DESCRIPTION, view, deep) if deep else {}
    best: dict[str, int] = {}
    for row in rows:
        if row.depth > 0 and deciding[row.component_id]["depth"] < row.depth:
            continue
        value = score(row.term, text)
        if value < best.get(row.concept_id, 1 << 30):
            best[row.concept_id] = value
    return best


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

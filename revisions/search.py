"""Concept search by term: concepts whose visible descriptions match, best match first.

Every word of the text must be a word prefix of an active description's term, in any
order (the full-text index of ``revisions.filters.term_match``). Matches are ranked by
how well the best description of each concept matches: the whole term equal to the text,
then the term starting with the text, then the rest; ties by shorter term, then by concept
id. Scores, hiding by shallower segments and the best score per concept are computed by
the database in one statement. Results are exact: every matching description in the view
counts, then only the concepts the view shows that pass the other filters.

Without other filters the database also ranks, counts and cuts the page, so only the page
travels. On PostgreSQL a text of one word (letters and digits) is answered from the
``description_words`` table (migration 0006) by an index-only range scan over the words it
is a prefix of (keyed by word and concept together: migration 0020), ranking inputs
included; texts of several words go through the GIN index, each typed prefix first
replaced by the whole words it stands for (a skip scan of the words table: migration
0018's ``description_words_query``), which GIN finds several times faster than a prefix; a
prefix of more than :data:`MAX_EXPANSION` words stays a prefix. The store keeps each typed
word's expansion (:class:`Expansions`), so a search is one statement once its words are
known, and a text with a word that starts no word at all is answered without one. While a
bulk load's words are still being derived (:mod:`revisions.derived`), every text goes
through the GIN index with its prefixes as typed: the same results, more slowly. A segment
holding few description revisions (:data:`OWN_ROWS_MOST`) is read through its own rows
instead, each tested against the text: the same results, without an index scan that finds
every branch's matches.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    false,
    func,
    literal,
    select,
    table,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import aliased

from revisions import derived
from revisions.components import CONCEPT, DESCRIPTION
from revisions.errors import InvalidRequest
from revisions.filters import Filter, matches_query, term_query, words
from revisions.prepared import DriverStatement, DriverStatements
from revisions.read import page
from revisions.schema import store_clock
from revisions.visibility import SegmentRows, View, not_decided_above, segment_params, valid_in

_MAX_LENGTH = 999
MAX_EXPANSION = 64
# A segment holding at most this many description revisions (a task's edits, say) is
# searched through its own rows, each tested against the text, instead of an index of the
# text (PostgreSQL). The index finds the text's matches on every branch at once, as many as
# the deepest segment's, and the branch's rows among them: a cost that grows with the
# text's matches everywhere; each own row costs a few microseconds (2.5-5 us). Below
# ``SegmentRows.COUNTED``, where the counts stop.
OWN_ROWS_MOST = 256
_description_words = table(
    "description_words",
    *(column(name, String) for name in ("word_key", "component_id", "concept_id")),
    *(column(name, BigInteger) for name in ("branch_id", "start_ts", "end_ts")),
    column("rank", SmallInteger),
)


WORDS = "words"  # statement shape: one typed word, answered by ``description_words``
OWN = "own"  # a segment's leg read through its own rows (PostgreSQL): :data:`OWN_ROWS_MOST`
# What follows the word in a words-table row's key, before the concept's id (migration 0020).
WORD_END = "\x01"
# One alternative of a full-text query as PostgreSQL prints it: a quoted lexeme (a quote in
# it doubled), then ``:*`` if it stands for every lexeme it starts.
_ALTERNATIVE = re.compile(r"'((?:[^']|'')*)'(:\*)?")


@dataclass(frozen=True, slots=True)
class Hit:
    score: int
    concept_id: str


class Expansions:
    """Per typed word, the full-text query of the whole words it is a prefix of (migration
    0018's ``description_words_query`` of that word alone; None if it starts no word), each
    with the store's clock read in the same statement. One per store; thread-safe; bounded
    (emptied past :attr:`MAX` words).

    A word enters the words table in the transaction that commits its description (a first
    load's words in the derivation, and searches do not expand while those are pending),
    and rows are never deleted, so a query read at clock C holds every word of every
    revision committed at or before C: it serves any view whose segments' times are all at
    or before C (a view shows only revisions committed by its segments' times). A view
    reaching past C reads the word again. Words committed after C on branches or at times
    the view does not show only add alternatives that start with the typed word, as a
    prefix match would. Migration 0018's single statement expanded every word at every
    search: 0.2-0.5 ms of a two-word search's 1.3-2 ms on the SNOMED-sized set (2026-12-07).
    """

    MAX = 10_000

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, str | None]] = {}
        self._lock = threading.Lock()

    def of(self, connection: Connection, typed: list[str], upto: int) -> dict[str, str | None]:
        """The query of each of ``typed`` (distinct words from :func:`revisions.filters.words`)
        for a view whose segments' times are at most ``upto``; the words not known for it
        read in one statement."""
        found: dict[str, str | None] = {}
        missing: list[str] = []
        for word in typed:
            known = self._known.get(word)
            if known is not None and known[0] >= upto:
                found[word] = known[1]
            else:
                missing.append(word)
        if missing:
            values = {"lows": missing, "highs": [_after_prefix(w) for w in missing]}
            rows = connection.execute(_expansions_statement(), {**values, "most": MAX_EXPANSION})
            with self._lock:
                if len(self._known) + len(missing) > self.MAX:
                    self._known.clear()
                for clock, word, query in rows:
                    found[word] = query
                    known = self._known.get(word)
                    if known is None or known[0] < clock:
                        self._known[word] = (clock, query)
        return found


@functools.cache
def _expansions_statement() -> Any:
    """(clock, word, query) of each typed word (bound ``lows``, with the ends of their
    ranges ``highs``): :class:`Expansions`'s read, the clock and the words in one snapshot."""
    bound = (cast(bindparam(name, type_=ARRAY(Text)), ARRAY(Text)) for name in ("lows", "highs"))
    typed = func.unnest(*bound).table_valued("low", "high").render_derived("t")
    low, high = array([typed.c.low]), array([typed.c.high])
    query = func.description_words_query(low, high, bindparam("most"))
    return (
        select(store_clock.c.last_ts, typed.c.low, cast(query, Text))
        .select_from(store_clock.join(typed, true()))
        .where(store_clock.c.id == 1)
    )


def score_expression(term: Any, dialect: str, starts: bool = True) -> Any:
    """SQL for a description's score: 1000 * tier + length in UTF-8 bytes (capped); lower
    is better.

    Tier 0: the term is the text (bound as ``norm``, ``norm_length`` characters long); 1:
    the term starts with it; 2: the words match elsewhere. Only the term's first
    ``norm_length`` characters are lowercased (both databases lowercase character by
    character), and the length is the stored size, not a count of characters: together
    they were a third of a common word's search time. Where no matching term can start
    with the text (``starts`` false: :func:`may_start`), every tier is 2 and no term is
    lowercased: the comparison took 3 of 29 ms of a text matching 11,654 descriptions.
    """
    tier: Any = literal(2000)
    if starts:
        begins = func.lower(func.substr(term, 1, bindparam("norm_length"))) == bindparam("norm")
        tier = case(
            (begins, case((func.length(term) == bindparam("norm_length"), 0), else_=1000)),
            else_=2000,
        )
    size = (
        func.octet_length(term) if dialect == "postgresql" else func.length(cast(term, LargeBinary))
    )
    return tier + case((size > _MAX_LENGTH, _MAX_LENGTH), else_=size)


def may_start(found: list[str], expansions: Mapping[str, str]) -> bool:
    """Whether a matching description's term may start with the text of the words
    ``found`` (from :func:`revisions.filters.words`), given the typed words' queries of
    the whole words each starts (``expansions``: :class:`Expansions`; a word missing, as
    while the words are derived, is not known).

    A term that starts with a text of several words starts with the text's first word and
    a space, and that run of letters and digits is the term's first lexeme: the first
    word is then a whole word of a matching description, so its query names it. When the
    query lists whole words and not that one, no matching term starts with the text. A
    prefix query (more than :data:`MAX_EXPANSION` words) cannot tell; a text of one word
    is ranked by the words table.
    """
    if len(found) < 2 or found[0] not in expansions:
        return True
    listed = _ALTERNATIVE.findall(expansions[found[0]])
    return any(prefix or word.replace("''", "'") == found[0] for word, prefix in listed)


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
    built: derived.Built,
    expansions: Expansions,
    planned: DriverStatements,
    own_rows_most: int = OWN_ROWS_MOST,
) -> tuple[list[Hit], int, bool]:
    """One page of the concepts matching ``text`` that pass ``concept_filter``, best first
    after the (score, id) key ``after``, skipping ``offset``: (hits, total, more follow).
    ``segment_rows``, ``built`` and ``expansions`` are the store's memories of how many
    descriptions each segment holds, of the words table being built and of typed words'
    expansions; ``planned`` runs the ranked statement through the driver on
    ``connection``'s pool, whose statements are planned per call. On PostgreSQL a segment
    holding at most ``own_rows_most`` description revisions is searched through its own
    rows (:data:`OWN_ROWS_MOST`)."""
    described, sizes = segment_rows.sized(connection, view, DESCRIPTION.table)
    found = _params(connection, described, text, built, expansions)
    if found is None:
        return [], 0, False
    params, shape, starts = found
    segments = len(described.segments)
    # A size of SegmentRows.COUNTED is a count that stopped: that segment may be any size.
    own = tuple(
        shape != "sqlite" and size <= own_rows_most and size < SegmentRows.COUNTED for size in sizes
    )
    best = _best_statement(segments, shape, starts, own)
    if concept_filter == Filter() and not view.exclude:
        ranked = planned(_ranked_statement(segments, shape, after is not None, starts, own))
        assert ranked is not None  # every parameter is bound whole (no expanding list)
        return _ranked_page(connection, ranked, best, params, after, offset, limit)
    hits = _filtered_hits(connection, view, best, params, concept_filter)
    start = offset
    if after is not None:
        start = next((i for i, h in enumerate(hits) if (h.score, h.concept_id) > after), len(hits))
    return hits[start : start + limit], len(hits), start + limit < len(hits)


def _ranked_page(
    connection: Connection,
    ranked: DriverStatement,
    best: Any,
    params: dict[str, Any],
    after: tuple[int, str] | None,
    offset: int,
    limit: int,
) -> tuple[list[Hit], int, bool]:
    """The page ranked, counted and cut by the database (a visible description's concept
    is visible: commits and merges keep references whole, so no concept check is needed):
    ``ranked``, :func:`_ranked_statement` through the driver (the count of an empty page
    through ``connection``, from ``best``, the scores it ranks: :func:`_best_statement`).
    Planned per call, never prepared: the plan depends on the values.
    A generic plan of a full-text statement, say, intersects the full-text match with the
    branch index, which for a branch of a million descriptions costs 25 ms instead of 3."""
    params = {**params, "offset": offset, "limit": limit + 1}
    if after is not None:
        params.update(after_score=after[0], after_id=after[1])
    rows = ranked.rows(params)
    if rows:
        count = rows[0][2]  # (concept_id, score, total)
    else:
        count = connection.execute(select(func.count()).select_from(best), params).scalar_one()
    hits = [Hit(int(score), concept_id) for concept_id, score, _ in rows[:limit]]
    return hits, count, len(rows) > limit


def _filtered_hits(
    connection: Connection,
    view: View,
    best_statement: Any,
    params: dict[str, Any],
    concept_filter: Filter,
) -> list[Hit]:
    """All hits whose concept the view shows passing ``concept_filter``, best first
    (``best_statement``: :func:`_best_statement` of the view's segments that hold
    descriptions)."""
    best = {cid: int(score) for cid, score in connection.execute(select(best_statement), params)}
    allowed = _visible_matching(connection, view, sorted(best), concept_filter) if best else []
    hits = [Hit(best[cid], cid) for cid in allowed]
    hits.sort(key=lambda h: (h.score, h.concept_id))
    return hits


def _params(
    connection: Connection, view: View, text: str, built: derived.Built, expansions: Expansions
) -> tuple[dict[str, Any], str, bool] | None:
    """The values the search statements bind, the statements' shape (``WORDS``: the words
    table, else the dialect's full-text index) and whether a matching term may start with
    the text (:func:`may_start`); None when nothing can match (``view``: the segments that
    hold descriptions)."""
    found = words(text)
    if not found:
        raise InvalidRequest("A term search needs at least one letter or digit.")
    if not view.segments:
        return None
    dialect = connection.dialect.name
    norm = " ".join(found)  # the text as the ranking compares it
    params = {**segment_params(view), "norm": norm, "norm_length": len(norm)}
    with_words = dialect == "postgresql" and not built.is_pending(
        connection, derived.WORDS, source_has_rows=True
    )
    if with_words and len(found) == 1:
        params.update(word_from=norm, word_to=_after_prefix(norm), norm_key=norm + WORD_END)
        params["term_query"] = term_query(found, dialect)  # for segments read by their rows
        return params, WORDS, True
    whole: dict[str, str] = {}
    if with_words:
        typed = list(dict.fromkeys(found))  # a word typed twice counts once
        known = expansions.of(connection, typed, max(s.upto for s in view.segments))
        for word, query in known.items():
            if query is None:
                return None  # it starts no word of any description the view shows
            whole[word] = query
    params["term_query"] = term_query(found, dialect, whole)
    return params, dialect, may_start(found, whole)


@functools.cache
def _ranked_statement(
    segments: int, shape: str, has_after: bool, starts: bool, own: tuple[bool, ...]
) -> Any:
    """The page after the key and offset, each row with the total of all matches: a window
    count over the best scores before the key cuts them (counting a second scan of the
    materialised scores cost a quarter of a common word's time)."""
    best = _best_statement(segments, shape, starts, own)
    counted = select(best.c.concept_id, best.c.score, func.count().over().label("total")).subquery(
        "counted"
    )
    stmt = select(counted).order_by(counted.c.score, counted.c.concept_id)
    if has_after:
        key = tuple_(bindparam("after_score"), bindparam("after_id"))
        stmt = stmt.where(tuple_(counted.c.score, counted.c.concept_id) > key)
    return stmt.offset(bindparam("offset")).limit(bindparam("limit"))


@functools.cache
def _best_statement(segments: int, shape: str, starts: bool, own: tuple[bool, ...]) -> Any:
    """A CTE of (concept_id, score): the best score per concept over the matching
    descriptions a view of ``segments`` segments shows (``shape``: :data:`WORDS` or the
    dialect whose full-text index matches; ``starts``: whether a term may start with the
    text, :func:`may_start`; ``own``: per segment, whether it is read through its own
    description rows, each tested, instead of an index of the text: :data:`OWN_ROWS_MOST`).

    Per segment, matching rows valid there that no shallower segment has a revision of (a
    revision there, even a tombstone or a non-matching one, hides them); then the best
    score per concept. Built once per shape; everything else is bound.
    """
    parts = []
    shadow = aliased(DESCRIPTION.table)
    for depth in range(segments):
        leg = OWN if own[depth] else shape
        table = _description_words if leg == WORDS else DESCRIPTION.table
        hidden = not_decided_above(table, range(depth), shadow)
        where = [valid_in(table, depth), *_matching(table, leg), *hidden]
        score = _score(table, leg, starts).label("score")
        parts.append(select(table.c.concept_id, score).where(*where))
    matches = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    return (
        select(matches.c.concept_id, func.min(matches.c.score).label("score"))
        .group_by(matches.c.concept_id)
        .cte("best")
    )


def _matching(table: Any, leg: str) -> list[Any]:
    """Rows of ``table`` that match the bound text: in the words table, the words it is a
    prefix of (only active, live revisions have words); else the bound full-text query
    (``leg`` :data:`OWN`: PostgreSQL's, tested on each row the statement reads)."""
    if leg == WORDS:  # a key is its word, WORD_END and an id: a prefix's keys are a range
        key = table.c.word_key
        return [key >= bindparam("word_from"), key < bindparam("word_to")]
    dialect = "postgresql" if leg == OWN else leg
    return [
        table.c.deleted == false(),
        table.c.active == true(),
        matches_query(table, dialect, bindparam("term_query"), indexed=leg != OWN),
    ]


def _score(table: Any, leg: str, starts: bool) -> Any:
    """:func:`score_expression` of a matching row. A words-table row carries it for the
    text being its word (``rank``): a term that is the word, but not the text, starts with
    the text (the text is a prefix of the word); a term starting with a word that starts
    with the text starts with the text."""
    if leg != WORDS:
        return score_expression(table.c.term, "postgresql" if leg == OWN else leg, starts)
    rank = table.c.rank
    other = ~func.starts_with(table.c.word_key, bindparam("norm_key"))  # the word is not the text
    return case((and_(rank < 1000, other), rank + 1000), else_=rank)


def _after_prefix(word: str) -> str:
    """The smallest string greater than every string starting with ``word`` (byte order,
    the word list's collation)."""
    return word[:-1] + chr(ord(word[-1]) + 1)


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

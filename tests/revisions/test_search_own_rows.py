"""Searches through a small segment's own rows (``search.OWN_ROWS_MOST``, PostgreSQL).

A segment holding few description revisions (a task's edits) is searched by reading its
own rows and testing each against the text, instead of through the term index or the
words table, which find the text's matches on every branch at once. These tests pin that
both ways give the same pages, scores and totals on random histories, where the bound
lies, the counts the choice rests on, and that the small segment's leg reads no index of
the text.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import Engine

from revisions import ManualClock, ReadPoint, ReadRange, RevisionStore
from revisions.components import DESCRIPTION
from revisions.errors import StoreError
from revisions.filters import Filter
from revisions.prepared import DriverStatement
from revisions.records import Change
from revisions.visibility import SegmentRows
from tests.revisions.helpers import change, concept, delete, description

pytestmark = pytest.mark.postgres

WORDS = ["heart", "heat", "hearth", "valve", "value", "mitral", "minor", "fracture", "femur"]
TEXTS = [*WORDS, "hea", "val", "m", "fract", "heart valve", "hea val", "val hea", "m f", "femu m"]
CONCEPTS = [f"c{n:02d}" for n in range(12)]


def a_term(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(1, 3)))


def an_edit(rng: random.Random, descriptions: list[str], fresh: str) -> Change:
    """A random description edit: a new term, (de)activation, a move, a deletion, or a new
    description named ``fresh``."""
    did = rng.choice(descriptions)
    kind = rng.randrange(5)
    if kind == 0:
        return change(did, "description", term=a_term(rng))
    if kind == 1:
        return change(did, "description", active=rng.random() < 0.5)
    if kind == 2:
        return change(did, "description", concept_id=rng.choice(CONCEPTS))
    if kind == 3:
        return delete(did, "description")
    return description(fresh, rng.choice(CONCEPTS), a_term(rng))


def history(store: RevisionStore, clock: ManualClock, seed: int) -> list[ReadPoint]:
    """MAIN's concepts and descriptions, then random edits on MAIN, ``MAIN/p`` and
    ``MAIN/p/t``; the read points: every branch's head and the times after every fourth
    commit."""
    rng = random.Random(seed)
    descriptions = [f"d{n:02d}" for n in range(30)]
    store.commit(
        "MAIN",
        "u",
        "load",
        [concept(c) for c in CONCEPTS]
        + [description(d, rng.choice(CONCEPTS), a_term(rng)) for d in descriptions],
    )
    store.create_branch("MAIN", "p")
    store.create_branch("MAIN/p", "t")
    points = []
    for step in range(24):
        clock.advance(1000)
        path = rng.choice(["MAIN", "MAIN/p", "MAIN/p/t", "MAIN/p/t"])
        fresh = f"n{step:02d}"
        edits = {}
        for _ in range(rng.randint(1, 3)):
            edit = an_edit(rng, descriptions, fresh)
            edits[edit.id] = edit
        try:
            result = store.commit(path, "u", "edit", list(edits.values()))
        except StoreError:
            continue  # refused (an edit of what the branch no longer shows): nothing written
        if fresh in edits:
            descriptions.append(fresh)
        if result is not None:
            points.append(ReadPoint(path, timestamp=result.timestamp))
    return [ReadPoint(p) for p in ("MAIN", "MAIN/p", "MAIN/p/t")] + points[::4]


def every_page(store: RevisionStore, point: ReadPoint, text: str) -> list[Any]:
    """Every page of three of ``text``'s search at ``point``, followed by its key: each
    page's ids, total and key."""
    pages, after = [], None
    while True:
        items, total, after = store.search_concepts(point, text, after=after, limit=3)
        pages.append(([c.id for c in items], total, after))
        if after is None:
            return pages


@pytest.mark.parametrize("seed", range(3))
def test_own_rows_and_the_indexes_give_the_same_pages(
    pg_store: RevisionStore, clock: ManualClock, seed: int
) -> None:
    points = history(pg_store, clock, seed)
    searched = 0
    for point in points:
        for text in TEXTS:
            answers = []
            for most in (0, 4, 10_000):  # the indexes; the smaller segments; every segment
                pg_store.search_own_rows_most = most
                answers.append(every_page(pg_store, point, text))
            assert answers[0] == answers[1] == answers[2], (point, text)
            searched += answers[0][0][1] > 0
    assert searched > len(points) * len(TEXTS) // 2  # most searches find something


# Terms whose first letters, case and length test the tier comparison and the size cap.
ODD_TERMS = [
    *("Heart", "Heart.", "(heart) disease", "Heartburn", "heart-attack", "Heart-Lung", "-heart"),
    *("'heart'", "heart's", "heart_valve", "HEART/valve", "heart.valve", "heart2", "2heart"),
    *(
        "Émile",
        "ΟΔΟΣ",
        "οδος",
        "İstanbul",
        "Straße",
        "ǅemal",
        "ﬁle",
        "\uff48\uff45\uff41\uff52\uff54",
        "CAFÉ",
        "café",
    ),
    *("\u212aelvin", "ẞ", "3.5 mg", "v1.2.3", "heart@example.com", "x² heart"),
    *("heart" + "a" * 1200, "é" * 600, "heart " + "b" * 1100),
]
ODD_TEXTS = [
    *("heart", "Heart", "hea", "émile", "οδος", "ΟΔΟΣ", "istanbul", "straße", "ǆemal", "ﬁle"),
    *(
        "\uff48\uff45\uff41\uff52\uff54",
        "café",
        "kelvin",
        "ß",
        "ẞ",
        "2heart",
        "v1",
        "3",
        "é",
        "b",
        "a",
        "heart2",
    ),
    *("heart valve", "hea b", "3 5", "x"),
]


def test_own_rows_rank_terms_beyond_ascii_and_past_the_size_cap_as_the_indexes_do(
    pg_store: RevisionStore,
) -> None:
    half = len(ODD_TERMS) // 2
    pg_store.commit(
        "MAIN",
        "u",
        "c",
        [concept(f"c{i:02d}") for i in range(len(ODD_TERMS))]
        + [description(f"d{i:02d}", f"c{i:02d}", t) for i, t in enumerate(ODD_TERMS[:half])],
    )
    pg_store.create_branch("MAIN", "t")
    later = [description(f"d{i:02d}", f"c{i:02d}", t) for i, t in enumerate(ODD_TERMS)][half:]
    pg_store.commit("MAIN/t", "u", "c", [*later, change("d00", "description", term="heartless")])
    for text in ODD_TEXTS:
        for path in ("MAIN", "MAIN/t"):
            answers = []
            for most in (0, 10_000):
                pg_store.search_own_rows_most = most
                items, total, after = pg_store.search_concepts(ReadPoint(path), text, limit=100)
                answers.append(([c.id for c in items], total, after))
            assert answers[0] == answers[1], (path, text)


def test_own_rows_with_concept_filters_and_over_ranges_equal_the_indexes(
    pg_store: RevisionStore,
) -> None:
    six = range(6)
    pg_store.commit(
        "MAIN",
        "u",
        "c",
        [concept(f"c{i}") for i in six]
        + [description(f"d{i}", f"c{i}", "Heart valve") for i in six],
    )
    pg_store.create_branch("MAIN", "t")
    edits = [change("d1", "description", term="heart"), change("c2", active=False)]
    pg_store.commit("MAIN/t", "u", "c", [*edits, description("n1", "c3", "Hearth")])
    for point in (ReadPoint("MAIN/t"), ReadRange(ReadPoint("MAIN"), ReadPoint("MAIN/t"))):
        for filter_ in (None, Filter.of(active=True), Filter.of(["c1", "c3"])):
            for text in ("heart", "hea", "heart valve", "hea va"):
                answers = []
                for most in (0, 10_000):
                    pg_store.search_own_rows_most = most
                    answers.append(pg_store.search_concepts(point, text, filter_, limit=2))
                assert answers[0] == answers[1], (point, filter_, text)


def test_a_segment_whose_count_stopped_is_never_read_through_its_rows(
    pg_store: RevisionStore, statements: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SegmentRows, "COUNTED", 3)
    pg_store.commit(
        "MAIN", "u", "c", [concept("a"), *(description(f"m{n}", "a") for n in range(3))]
    )
    pg_store.search_own_rows_most = 10_000  # above every count
    pg_store.search_concepts(ReadPoint("MAIN"), "term")
    assert ranked(statements)[0].count("ts_match_vq") == 0


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """The SQL and arguments of every statement run through the driver."""
    ran: list[tuple[str, Any]] = []
    run = DriverStatement._run

    def recorded(self: DriverStatement, params: Any, fetch: Any) -> Any:
        bound = self._compiled.construct_params(dict(params))
        bound = {k: self._binds[k](v) if k in self._binds else v for k, v in bound.items()}
        ran.append((self.sql, bound))
        return run(self, params, fetch)

    monkeypatch.setattr(DriverStatement, "_run", recorded)
    return ran


def ranked(ran: list[tuple[str, Any]]) -> tuple[str, Any]:
    """The last search's ranked statement."""
    return [(sql, args) for sql, args in ran if "OVER ()" in sql][-1]


def test_a_segment_at_the_bound_is_read_through_its_own_rows_and_one_past_it_is_not(
    pg_store: RevisionStore, statements: list[tuple[str, Any]]
) -> None:
    pg_store.commit(
        "MAIN", "u", "c", [concept("a"), *(description(f"m{n}", "a", "Heart") for n in range(9))]
    )
    pg_store.create_branch("MAIN", "t")
    pg_store.commit("MAIN/t", "u", "c", [description(f"t{n}", "a", "Heart") for n in range(4)])
    pg_store.search_own_rows_most = 4
    for text in ("heart", "hea heart"):
        pg_store.search_concepts(ReadPoint("MAIN/t"), text)
        sql = ranked(statements)[0]
        assert (sql.count("ts_match_vq"), sql.count("@@")) == (1, 0 if text == "heart" else 1)
    pg_store.commit("MAIN/t", "u", "c", [description("t4", "a", "Heart")])
    pg_store.search_concepts(ReadPoint("MAIN/t"), "hea heart")
    sql = ranked(statements)[0]
    assert (sql.count("ts_match_vq"), sql.count("@@")) == (0, 2)


def test_segment_counts_stop_at_the_cap_and_leave_out_empty_segments(
    pg_store: RevisionStore,
) -> None:
    pg_store.commit(
        "MAIN", "u", "c", [concept("a"), *(description(f"m{n}", "a", "Heart") for n in range(5))]
    )
    pg_store.create_branch("MAIN", "p")
    pg_store.create_branch("MAIN/p", "t")
    pg_store.commit(
        "MAIN/p/t", "u", "c", [description("t0", "a"), change("m0", "description", term="Valve")]
    )
    view = pg_store.view(ReadPoint("MAIN/p/t"))
    task, project, main = (pg_store.get_branch(p).id for p in ("MAIN/p/t", "MAIN/p", "MAIN"))
    assert [s.branch_id for s in view.segments] == [task, project, main]
    rows = SegmentRows()
    rows.COUNTED = 3
    with pg_store.engine.connect() as connection:
        kept, sizes = rows.sized(connection, view, DESCRIPTION.table)
    assert [s.branch_id for s in kept.segments] == [task, main]
    assert sizes == (2, 3)  # MAIN's five rows count as three


def test_a_small_segments_leg_reads_its_rows_by_the_branch_and_no_index_of_the_text(
    pg_store: RevisionStore, postgres_engine: Engine, statements: list[tuple[str, Any]]
) -> None:
    numbers = range(2000)
    content = [concept(f"c{n:04d}") for n in numbers]
    content += [description(f"d{n:04d}", f"c{n:04d}", f"Word{n} heart valve") for n in numbers]
    pg_store.commit("MAIN", "u", "many", content)
    pg_store.create_branch("MAIN", "t")
    pg_store.commit("MAIN/t", "u", "c", [change("d0007", "description", term="Word7 valves")])
    with postgres_engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE descriptions")
        connection.exec_driver_sql("ANALYZE description_words")
        connection.commit()
    pg_store.search_own_rows_most = 256
    indexes = {"word7 valv": "ix_descriptions_term_tsv", "word7": "ix_description_words_word"}
    for text, index in indexes.items():
        found, total, _ = pg_store.search_concepts(ReadPoint("MAIN/t"), text)
        assert (found[0].id, total) == ("c0007", 111)  # word7, word70-79, word700-799
        sql, args = ranked(statements)
        assert sql.count("ts_match_vq") == 1
        raw = postgres_engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("EXPLAIN " + sql, args)
            plan = [row[0] for row in cursor.fetchall()]
        finally:
            raw.close()
        scans = [line.strip().removeprefix("->  ").split("  (")[0] for line in plan]
        scans = [scan for scan in scans if "Scan" in scan]
        # MAIN's leg reads the text's index; the task's reads its rows by a branch index.
        assert sum(index in scan for scan in scans) == 1, plan
        assert "Seq Scan" not in "\n".join(scans), plan
        leg = next(i for i, line in enumerate(plan) if "ts_match_vq" in line)
        assert "_branch_" in plan[leg - 2] + plan[leg - 1], plan

"""The words index keyed by one text, the word and the concept's id together (PostgreSQL):
``description_words.word_key``.

The words index (migration 0006) was keyed ``(word, branch_id, concept_id)``. Building it
is the longest step of deriving the search tables after a first bulk load, and most of
that is its sort's comparisons: with few distinct words nearly every comparison ties on
the word and goes on to the branch and the concept's id, columns after a variable-length
one, which each comparison finds by walking the tuple (11.8 of the 16.3 CPU-seconds of
the SNOMED-sized set's 4.4 M rows on one core). ``word_key``, which replaces ``word``, is
the word, the byte 0x01 and the concept's id, so one comparison of one text decides: the
index ``(word_key, branch_id)``, including the rest and the concept's id, builds in 7.4 s
on one core and 5.8-6.0 against 9.9 s with its parallel workers, is 381 against 372 MB,
and answers the same searches as fast (history, 2026-12-07). The derivation and the
trigger adding rows write the key themselves (as a generated column, it made the
derivation's insert 3.4 s longer: more than the index saves).

The key keeps every use of the index: no word holds a control character (the parser
splits terms on them, and terms holding any are refused), so the keys of a word ``w`` are
exactly those from ``w`` up to ``w`` followed by 0x02, and a range of words by prefix is
the same range of keys. A
search reads a prefix's rows by that range, the expansion of a typed prefix steps from
word to word past each one's keys (``description_words_query``), and the trigger closing a
revision's words finds each row by its key and branch (``description_words_close``, still
without Memoize plans: migration 0016). The key's statistics are kept as fine as the word's
were (1,000 buckets: a one-word search's range is estimated from them, as migration 0017's
common words did). The table is emptied and derived again (from scratch, as
:func:`revisions.derived.derive` does; not when a bulk load left it pending, since that
derivation will).

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_COLUMNS = "{word}, branch_id, start_ts, end_ts, component_id, concept_id, rank"
_TERM_WORDS = "unnest(tsvector_to_array(to_tsvector('simple'::regconfig, {0}.term))) AS w(word)"
_KEY_OF = "w.word || E'\\x01' || {0}.concept_id"


def _add(word: str, value: str, source: str) -> str:
    """Migration 0006's statement adding the word rows of ``source``'s revisions, into column
    ``word`` from ``value`` (an expression of the revision ``d`` and its word ``w``)."""
    return (
        f"INSERT INTO description_words ({_COLUMNS.format(word=word)}) "
        f"SELECT {value}, d.branch_id, d.start_ts, d.end_ts, d.component_id, d.concept_id, "
        "least(octet_length(d.term), 999) + CASE "
        "WHEN length(d.term) = length(w.word) AND lower(d.term) = w.word THEN 0 "
        "WHEN lower(substr(d.term, 1, length(w.word))) = w.word THEN 1000 ELSE 2000 END "
        f"FROM {source} d, " + _TERM_WORDS.format("d") + " "
        "WHERE d.active AND NOT d.deleted AND d.term IS NOT NULL"
    )


def _triggers(word: str, value: str, probe: str) -> list[str]:
    """Migration 0006's trigger functions: adding rows (see :func:`_add`), and closing a
    revision's rows found through the words index by ``probe``."""
    add = (
        "CREATE OR REPLACE FUNCTION description_words_add() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN " + _add(word, value, "added") + "; RETURN NULL; END $$"
    )
    close = (
        "CREATE OR REPLACE FUNCTION description_words_close() RETURNS trigger "
        "LANGUAGE plpgsql SET enable_memoize = off AS $$ BEGIN "
        "UPDATE description_words dw SET end_ts = c.end_ts FROM closed c, "
        + _TERM_WORDS.format("c")
        + f" WHERE {probe} AND dw.branch_id = c.branch_id "
        "AND dw.component_id = c.component_id AND dw.start_ts = c.start_ts "
        "AND dw.end_ts IS DISTINCT FROM c.end_ts AND c.active AND NOT c.deleted"
        "; RETURN NULL; END $$"
    )
    return [add, close]


def _query(column: str, first: str, after: str) -> str:
    """Migration 0018's ``description_words_query``, its skip scan over ``column``: the
    first word of a prefix's range is ``first`` of the smallest value in it, the next one
    starts past ``after`` (of the word found)."""
    return (
        "CREATE OR REPLACE FUNCTION description_words_query(lows text[], highs text[], "
        "most integer) RETURNS tsquery LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$ BEGIN "
        "RETURN (WITH RECURSIVE found(i, high, word, n) AS ("
        f"SELECT t.i, t.high, (SELECT {first.format(f'min(d.{column})')} "
        f'FROM description_words d WHERE d.{column} >= t.low COLLATE "C" '
        f'AND d.{column} < t.high COLLATE "C"), 1 '
        "FROM unnest(lows, highs) WITH ORDINALITY AS t(low, high, i) "
        f"UNION ALL SELECT f.i, f.high, (SELECT {first.format(f'min(w.{column})')} "
        f"FROM description_words w WHERE w.{column} > {after} "
        f'AND w.{column} < f.high COLLATE "C"), f.n + 1 '
        "FROM found f WHERE f.word IS NOT NULL AND f.n <= most), "
        "per AS (SELECT t.i, t.low, count(f.word) AS n, "
        "bool_and(f.word ~ '^[[:alnum:]_]+$') AS plain, "
        "string_agg(f.word, ' | ' ORDER BY f.n) AS alts "
        "FROM unnest(lows) WITH ORDINALITY AS t(low, i) "
        "LEFT JOIN found f ON f.i = t.i AND f.word IS NOT NULL GROUP BY t.i, t.low) "
        "SELECT CASE WHEN bool_or(n = 0) THEN NULL ELSE CAST(string_agg("
        "CASE WHEN n > most OR NOT plain THEN low || ':*' ELSE '(' || alts || ')' END, "
        "' & ' ORDER BY i) AS tsquery) END FROM per); END $$"
    )


def _rebuild(old: str, word: str, value: str, index: str) -> None:
    """Empty the words table and drop its index, replace its column ``old`` by ``word``,
    derive it again (unless a bulk load left it pending) and index it by ``index``."""
    op.execute("DROP INDEX IF EXISTS ix_description_words_word")
    op.execute("TRUNCATE description_words")
    op.execute(
        f"ALTER TABLE description_words DROP COLUMN {old}, "
        f'ADD COLUMN {word} text COLLATE "C" NOT NULL'
    )
    pending = "SELECT 1 FROM pending_derivations WHERE name = 'description_words'"
    if op.get_bind().exec_driver_sql(pending).first() is None:
        op.execute(_add(word, value, "descriptions"))
    op.execute(f"CREATE INDEX ix_description_words_word ON description_words {index}")
    op.execute(f"ALTER TABLE description_words ALTER COLUMN {word} SET STATISTICS 1000")
    op.execute("ANALYZE description_words")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    value = _KEY_OF.format("d")
    # A word's keys run from the word, followed by 0x01 and an id, to the word and 0x02.
    op.execute(_query("word_key", "split_part({}, E'\\x01', 1)", "f.word || E'\\x02'"))
    for function in _triggers("word_key", value, "dw.word_key = " + _KEY_OF.format("c")):
        op.execute(function)
    _rebuild(
        "word",
        "word_key",
        value,
        "(word_key, branch_id) INCLUDE (start_ts, end_ts, rank, component_id, concept_id)",
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_query("word", "{}", "f.word"))
    probe = "dw.word = w.word AND dw.concept_id = c.concept_id"
    for function in _triggers("word", "w.word", probe):
        op.execute(function)
    _rebuild(
        "word_key",
        "word",
        "w.word",
        "(word, branch_id, concept_id) INCLUDE (start_ts, end_ts, rank, component_id)",
    )

"""The full-text query of a search's typed words as a function (PostgreSQL):
``description_words_query(lows, highs, most)``.

A search of several words turns each typed word into the whole words it is a prefix of (a
skip scan of ``description_words``), then matches them through the GIN index of the
terms. Written into the search's statement as a CTE, the expansion was a third of the
statement's planning, which runs at every search (the statement's plan depends on its
values, so it is never prepared): 0.47 against 0.14 ms. In a PL/pgSQL function its
statement is planned once per session; the search calls it once, as an ``InitPlan``.

The contract, for typed words ``lows`` (with ``highs`` the strings just past each as a
prefix) and ``most``: per word, up to ``most`` + 1 distinct whole words from its low up to
its high, in order, one probe of the words index each (the index holds each word once
per description revision); each word then stands for ``(w1 | w2 | ...)``, or for the
prefix ``low:*`` when it has more than ``most`` whole words or one a plain tsquery word
cannot spell; the words joined by ``&``. NULL (nothing matches) when a typed word stands
for no whole word.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_QUERY = (
    "WITH RECURSIVE found(i, high, word, n) AS ("
    "SELECT t.i, t.high, (SELECT min(d.word) FROM description_words d "
    'WHERE d.word >= t.low COLLATE "C" AND d.word < t.high COLLATE "C"), 1 '
    "FROM unnest(lows, highs) WITH ORDINALITY AS t(low, high, i) "
    "UNION ALL SELECT f.i, f.high, (SELECT min(w.word) FROM description_words w "
    'WHERE w.word > f.word AND w.word < f.high COLLATE "C"), f.n + 1 '
    "FROM found f WHERE f.word IS NOT NULL AND f.n <= most), "
    "per AS (SELECT t.i, t.low, count(f.word) AS n, "
    "bool_and(f.word ~ '^[[:alnum:]_]+$') AS plain, "
    "string_agg(f.word, ' | ' ORDER BY f.n) AS alts "
    "FROM unnest(lows) WITH ORDINALITY AS t(low, i) "
    "LEFT JOIN found f ON f.i = t.i AND f.word IS NOT NULL GROUP BY t.i, t.low) "
    "SELECT CASE WHEN bool_or(n = 0) THEN NULL ELSE CAST(string_agg("
    "CASE WHEN n > most OR NOT plain THEN low || ':*' ELSE '(' || alts || ')' END, "
    "' & ' ORDER BY i) AS tsquery) END FROM per"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION description_words_query(lows text[], highs text[], most integer) "
        "RETURNS tsquery LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$ BEGIN RETURN ("
        + _QUERY
        + "); END $$"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION description_words_query(text[], text[], integer)")

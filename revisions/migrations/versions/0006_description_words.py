"""Single-word term search on PostgreSQL without touching the descriptions' heap.

``description_words`` holds one row per word (``simple`` lexeme) of every active, live
description revision: its branch and validity (``start_ts``, ``end_ts``, kept equal to the
revision's), the description and concept ids, and ``rank``, the ranking's inputs in one
number: the term's size in bytes (capped at 999), plus 0 when the term is the word, 1000
when it starts with the word, 2000 otherwise. One covering B-tree, ``(word, branch_id,
concept_id)`` including the rest, lets a one-word search rank and count every match with an
index-only scan: a common word (35,000 descriptions of 17,500 concepts) took 77-85 ms
through GIN and the heap, about 30 ms here. Searches of several words stay on the GIN
index, whose bitmap intersection is faster for them (2 against 15 ms, and 68 against
118 ms, on the same words), and expand each typed prefix into the whole words it stands
for with a skip scan of this index. That replaces ``search_words`` (migration 0004), which
cost a bulk load a second pass of ``to_tsvector`` over every term.

Triggers keep the table equal to what it is derived from: a statement trigger on insert
(bulk ``COPY`` included) adds the rows of new revisions, and one on update copies
``end_ts`` when a revision is closed (revision rows are never updated otherwise), finding
the closed revision's rows through the words index by its words, branch and concept. SQLite
has nothing to change: FTS5 serves both.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COLUMNS = "word, branch_id, start_ts, end_ts, component_id, concept_id, rank"
_WORDS = "unnest(tsvector_to_array(to_tsvector('simple'::regconfig, {0}.term))) AS w(word)"
_WORDS_OF = (
    f"INSERT INTO description_words ({_COLUMNS}) "
    "SELECT w.word, d.branch_id, d.start_ts, d.end_ts, d.component_id, d.concept_id, "
    "least(octet_length(d.term), 999) + CASE "
    "WHEN length(d.term) = length(w.word) AND lower(d.term) = w.word THEN 0 "
    "WHEN lower(substr(d.term, 1, length(w.word))) = w.word THEN 1000 ELSE 2000 END "
    "FROM {source} d, " + _WORDS.format("d") + " "
    "WHERE d.active AND NOT d.deleted AND d.term IS NOT NULL"
)
# A closed revision's word rows, found through the words index: its words, branch and
# concept lead to a handful of entries, its id and start pick its own among them.
_CLOSE = (
    "UPDATE description_words dw SET end_ts = c.end_ts FROM closed c, " + _WORDS.format("c") + " "
    "WHERE dw.word = w.word AND dw.branch_id = c.branch_id AND dw.concept_id = c.concept_id "
    "AND dw.component_id = c.component_id AND dw.start_ts = c.start_ts "
    "AND dw.end_ts IS DISTINCT FROM c.end_ts AND c.active AND NOT c.deleted"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER search_words_add ON descriptions")
    op.execute("DROP FUNCTION search_words_add()")
    op.execute("DROP TABLE search_words")
    op.execute(
        'CREATE TABLE description_words (word text COLLATE "C" NOT NULL, '
        "branch_id bigint NOT NULL, start_ts bigint NOT NULL, end_ts bigint, "
        'component_id varchar(100) COLLATE "C" NOT NULL, '
        'concept_id varchar(100) COLLATE "C" NOT NULL, rank smallint NOT NULL)'
    )
    op.execute(_WORDS_OF.format(source="descriptions"))
    op.execute(
        "CREATE INDEX ix_description_words_word ON description_words "
        "(word, branch_id, concept_id) INCLUDE (start_ts, end_ts, rank, component_id)"
    )
    op.execute(
        "CREATE FUNCTION description_words_add() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + _WORDS_OF.format(source="added")
        + "; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER description_words_add AFTER INSERT ON descriptions "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
        "EXECUTE FUNCTION description_words_add()"
    )
    op.execute(
        "CREATE FUNCTION description_words_close() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        + _CLOSE
        + "; RETURN NULL; END $$"
    )
    # An UPDATE trigger with transition tables cannot name columns; end_ts is the only
    # column a revision row ever has updated.
    op.execute(
        "CREATE TRIGGER description_words_close AFTER UPDATE ON descriptions "
        "REFERENCING NEW TABLE AS closed FOR EACH STATEMENT "
        "EXECUTE FUNCTION description_words_close()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER description_words_close ON descriptions")
    op.execute("DROP TRIGGER description_words_add ON descriptions")
    op.execute("DROP FUNCTION description_words_close()")
    op.execute("DROP FUNCTION description_words_add()")
    op.execute("DROP TABLE description_words")
    op.execute('CREATE TABLE search_words (word text COLLATE "C" PRIMARY KEY)')
    op.execute(
        "CREATE FUNCTION search_words_add() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO search_words (word) SELECT DISTINCT w FROM added, "
        "unnest(tsvector_to_array(to_tsvector('simple'::regconfig, added.term))) AS w "
        "ON CONFLICT DO NOTHING; RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER search_words_add AFTER INSERT ON descriptions "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION search_words_add()"
    )
    op.execute(
        "INSERT INTO search_words (word) SELECT DISTINCT w FROM descriptions, "
        "unnest(tsvector_to_array(to_tsvector('simple'::regconfig, term))) AS w "
        "ON CONFLICT DO NOTHING"
    )

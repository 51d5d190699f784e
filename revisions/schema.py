"""The revision store's tables, as SQLAlchemy Core metadata (the single source for migrations).

Every component table shares the revision columns of :func:`_revision_columns`: a row is one
immutable version of one component on one branch, valid from ``start_ts`` (its commit) until
``end_ts`` (the commit on the same branch that replaced or deleted it; NULL while current).
Rows are never updated except to set ``end_ts``. ``deleted`` rows are tombstones: they hide a
revision that a deeper layer (an ancestor) would otherwise show.

Timestamps are epoch milliseconds (BIGINT). Indexes:
- ``(branch_id, component_id, start_ts)`` unique: per-layer lookups and keyset pages in id order;
- ``(branch_id, component_id) WHERE end_ts IS NULL`` unique: at most one current row per id
  per branch, enforced by the database;
- ``(branch_id, start_ts)`` and ``(branch_id, end_ts) WHERE end_ts IS NOT NULL``: what changed
  on a branch between two times (compare, merge);
- reference columns (``concept_id``, ``source_id``, ``target_id``) per branch.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias).
RowId = BigInteger().with_variant(Integer(), "sqlite")
ID_LENGTH = 100
PATH_LENGTH = 2000  # a branch's whole path
TITLE_LENGTH = 500  # a code system's title
# Component ids and references to them: compared byte by byte on every database (migration
# 0008), the order of Python's strings and SQLite's default, whatever the server's locale.
ComponentId = String(ID_LENGTH).with_variant(String(ID_LENGTH, collation="C"), "postgresql")

store_clock = Table(
    "store_clock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_ts", BigInteger, nullable=False),
    comment="One row. Every commit updates it first: it hands out strictly increasing "
    "timestamps and serialises writers, on every database.",
)

branches = Table(
    "branches",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("path", String(PATH_LENGTH), nullable=False),
    Column("name", String(ID_LENGTH), nullable=False),
    Column("parent_id", RowId, ForeignKey("branches.id"), nullable=True),
    Column("created_ts", BigInteger, nullable=False),
    Column("base_ts", BigInteger, nullable=True),
    Column("base_since_ts", BigInteger, nullable=True),
    Column("head_ts", BigInteger, nullable=False),
    Column("deleted_ts", BigInteger, nullable=True),
    Column("read_only", Boolean, nullable=False, default=False),
    Column("has_layers", Boolean, nullable=False, default=False),
    Column("metadata", JSONType, nullable=False, default=dict),
    # Set on version tags: content written on the parent up to base_ts is released then.
    Column("effective_time", String(8), nullable=True),
    # Set on branches that have version tags, so reads skip the lookup for the rest.
    Column("has_versions", Boolean, nullable=False, default=False, server_default=false()),
    Index(
        "uq_branches_live_path",
        "path",
        unique=True,
        sqlite_where=text("deleted_ts IS NULL"),
        postgresql_where=text("deleted_ts IS NULL"),
    ),
    Index("ix_branches_parent_id", "parent_id"),
)

branch_bases = Table(
    "branch_bases",
    metadata,
    Column("branch_id", RowId, ForeignKey("branches.id"), primary_key=True),
    Column("since_ts", BigInteger, primary_key=True),
    Column("base_ts", BigInteger, nullable=False),
    comment="Every base a branch has had: from since_ts on, it sees its parent at base_ts.",
)

branch_layers = Table(
    "branch_layers",
    metadata,
    Column("branch_id", RowId, ForeignKey("branches.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("source_id", RowId, ForeignKey("branches.id"), nullable=False),
    Column("upto_ts", BigInteger, nullable=False),
    comment="Extra layers between a branch and its parent: the source branch's own content "
    "up to upto_ts. Fixed when the branch is created.",
)

commits = Table(
    "commits",
    metadata,
    Column("branch_id", RowId, ForeignKey("branches.id"), primary_key=True),
    Column("ts", BigInteger, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("author", String(200), nullable=False),
    Column("comment", Text, nullable=False),
    Column("source_id", RowId, ForeignKey("branches.id"), nullable=True),
    Column("source_ts", BigInteger, nullable=True),
    Column("changes", Integer, nullable=False, default=0),
)


codesystems = Table(
    "codesystems",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("title", String(TITLE_LENGTH), nullable=False),
    Column("branch_id", RowId, ForeignKey("branches.id"), nullable=False),
    Column("extension_of", String(ID_LENGTH), nullable=True),
    Column("extension_of_version", String(ID_LENGTH), nullable=True),
    Column("metadata", JSONType, nullable=False, default=dict),
    Column("created_ts", BigInteger, nullable=False),
    Column("updated_ts", BigInteger, nullable=False),
    comment="A code system: an id usable as the first segment of a relative path, and its "
    "working branch (branch_id).",
)

codesystem_versions = Table(
    "codesystem_versions",
    metadata,
    Column("codesystem_id", String(ID_LENGTH), ForeignKey("codesystems.id"), primary_key=True),
    Column("version", String(ID_LENGTH), primary_key=True),
    Column("effective_time", String(8), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("branch_id", RowId, ForeignKey("branches.id"), nullable=False),
    Column("created_ts", BigInteger, nullable=False),
    Column("metadata", JSONType, nullable=False, default=dict),
    comment="A version: a read-only tag branch (branch_id) at the working branch's head.",
)


jobs = Table(
    "jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("state", String(20), nullable=False),
    Column("params", JSONType, nullable=False),
    Column("result", JSONType, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_ts", BigInteger, nullable=False),
    Column("started_ts", BigInteger, nullable=True),
    Column("finished_ts", BigInteger, nullable=True),
    Column("heartbeat_ts", BigInteger, nullable=True),
    # The process holding the job ("host:pid:start", see exporter.processes); NULL while
    # the job waits on the rq queue.
    Column("owner", String(255), nullable=True),
    # How far a long job is (an import's phase, rows done and expected), while it runs.
    Column("progress", JSONType, nullable=True),
    Index("ix_jobs_kind_state", "kind", "state"),
    comment="Background work (merges, imports, upgrades, exports) and its state, kept in the "
    "database so every process and host sees the same.",
)

exports = Table(
    "exports",
    metadata,
    # The repository version exported: kind "source" (repository = its code system's id) or,
    # later, "collection"; no foreign key, so a deleted version leaves a row to sweep.
    Column("kind", String(20), primary_key=True),
    Column("repository", String(ID_LENGTH), primary_key=True),
    Column("version", String(ID_LENGTH), primary_key=True),
    # The latest build job (jobs.id): its state says whether a build is under way.
    Column("job_id", String(36), nullable=True),
    # The stored file, once a build completed: its storage key, size and SHA-256 digest
    # (a file that no longer matches them is never served), and the latest change time of
    # any concept or mapping in it (the file name's lastUpdated).
    Column("storage_key", Text, nullable=True),
    Column("size", BigInteger, nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("last_updated_ts", BigInteger, nullable=True),
    Column("built_ts", BigInteger, nullable=True),
    comment="Cached repository version exports (exporter.exports): the file and its build job.",
)

pending_derivations = Table(
    "pending_derivations",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("since_ts", BigInteger, nullable=False),
    Column("source", String(100), nullable=False),
    Column("definition", Text, nullable=True),
    comment="What a bulk load left to be built after its commit (see revisions.derived): a "
    "derived table (nothing reads it while it is named here) or an index (source: the table "
    "it is built from; definition: the index's, for an index).",
)

concept_edges = Table(
    "concept_edges",
    metadata,
    Column("parent_id", ComponentId, nullable=False),
    Column("branch_id", BigInteger, nullable=False),
    Column("component_id", ComponentId, nullable=False),
    Column("start_ts", BigInteger, nullable=False),
    Column("end_ts", BigInteger, nullable=True),
    Index(
        "uq_concept_edges_parent",
        "parent_id",
        "branch_id",
        "component_id",
        "start_ts",
        unique=True,
        postgresql_include=["end_ts"],
    ),
    comment="Derived from concepts (migration 0010, triggers): one row per parent of every "
    "live concept revision, with the revision's branch, child id (component_id), start_ts and "
    "end_ts. Children are read through its index under the visibility rule.",
)

# Database objects the migrations create per dialect that the metadata cannot describe:
# SQLite's FTS5 table for descriptions (and its shadow tables), PostgreSQL's expression and
# GIN indexes and its trigger-filled word tables. Autogenerate comparisons skip these names.
UNMODELLED_PREFIXES = (
    "descriptions_fts",
    "ix_descriptions_term_tsv",
    "ix_concepts_parents_gin",
    "description_words",
    "ix_description_words",
)
# PostgreSQL tables that triggers fill from a component table's rows (migrations 0006,
# 0010; concept_edges is filled on SQLite too, and modelled above).
POSTGRES_DERIVED = {"descriptions": ("description_words",), "concepts": ("concept_edges",)}
# Those the metadata does not model (emptied by name where every table is).
POSTGRES_DERIVED_TABLES = tuple(
    name for names in POSTGRES_DERIVED.values() for name in names if name not in metadata.tables
)


def closed_only_index(table: str) -> str:
    """The name of ``table``'s index of closed revisions (``end_ts IS NOT NULL``): new
    revisions are current, so inserting them never adds to it (closing one does)."""
    return f"ix_{table}_branch_end"


def _revision_table(name: str, *columns: Column, indexes: tuple[Index, ...] = ()) -> Table:
    return Table(
        name,
        metadata,
        Column("rev_id", RowId, primary_key=True),
        Column("component_id", ComponentId, nullable=False),
        Column("branch_id", RowId, ForeignKey("branches.id"), nullable=False),
        Column("start_ts", BigInteger, nullable=False),
        Column("end_ts", BigInteger, nullable=True),
        Column("deleted", Boolean, nullable=False, default=False),
        # Sticky: the component was released (a version included one of its revisions)
        # before this revision was written; see revisions.commit.was_released.
        Column("released", Boolean, nullable=False, default=False, server_default=false()),
        *columns,
        Index(
            f"uq_{name}_branch_component_start",
            "branch_id",
            "component_id",
            "start_ts",
            unique=True,
            postgresql_include=["end_ts", "deleted"],
        ),
        Index(
            f"uq_{name}_branch_component_open",
            "branch_id",
            "component_id",
            unique=True,
            sqlite_where=text("end_ts IS NULL"),
            postgresql_where=text("end_ts IS NULL"),
        ),
        Index(f"ix_{name}_branch_start", "branch_id", "start_ts"),
        Index(
            closed_only_index(name),
            "branch_id",
            "end_ts",
            sqlite_where=text("end_ts IS NOT NULL"),
            postgresql_where=text("end_ts IS NOT NULL"),
        ),
        *indexes,
    )


concepts = _revision_table(
    "concepts",
    Column("active", Boolean, nullable=True),
    Column("module_id", String(ID_LENGTH), nullable=True),
    Column("concept_class", String(255), nullable=True),
    Column("datatype", String(255), nullable=True),
    Column("parents", JSONType, nullable=True),
    Column("external_id", String(255), nullable=True),
    Column("retire_reason", String(255), nullable=True),
    Column("extras", JSONType, nullable=True),
)

descriptions = _revision_table(
    "descriptions",
    Column("concept_id", ComponentId, nullable=True),
    Column("term", Text, nullable=True),
    Column("language_code", String(20), nullable=True),
    Column("type", String(255), nullable=True),
    Column("preferred", Boolean, nullable=True),
    Column("active", Boolean, nullable=True),
    Column("external_id", String(255), nullable=True),
    Column("extras", JSONType, nullable=True),
    indexes=(Index("ix_descriptions_branch_concept", "branch_id", "concept_id"),),
)

mappings = _revision_table(
    "mappings",
    Column("source_id", ComponentId, nullable=True),
    Column("map_type", String(255), nullable=True),
    Column("target_id", ComponentId, nullable=True),
    Column("target_code_system", String(255), nullable=True),
    Column("target_code", String(255), nullable=True),
    Column("target_name", Text, nullable=True),
    Column("active", Boolean, nullable=True),
    Column("sort_weight", Float, nullable=True),
    Column("external_id", String(255), nullable=True),
    Column("extras", JSONType, nullable=True),
    indexes=(
        Index("ix_mappings_branch_source", "branch_id", "source_id"),
        Index("ix_mappings_branch_target", "branch_id", "target_id"),
    ),
)

"""The collections tables (OCL collections, issue 18), on the revision store's metadata.

- ``collections``: one row per collection: its owner (a user or an organisation), its id under
  the owner (``repo_id``, unique per owner), ``name``, ``public_access`` and its other OCL
  fields in ``metadata``.
- ``collection_references``: every reference ever added, kept with time: ``added_ts`` and,
  once removed, ``removed_ts``, both taken from the store's commit clock, so "the references
  live at T" is ``added_ts <= T < removed_ts``. ``expression`` is the URL as stored; what it
  names is kept resolved: the source's code system, the concept or mapping id, and a pin
  (``source_version``, a source version id, or ``component_version``, a concept or mapping
  version, i.e. an edit time) when the expression gives one.
- ``collection_versions``: a version's id, the store time it was taken at (``created_ts``)
  and its OCL metadata (``released``, ``retired``, ``description``, ``external_id``,
  ``extras`` and a snapshot of the collection's fields).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table

from revisions.schema import ID_LENGTH, JSONType, RowId, metadata

__all__ = ["collection_references", "collection_versions", "collections"]

EXPRESSION_LENGTH = 1000

collections = Table(
    "collections",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("owner_type", String(10), nullable=False),
    Column("owner", String(ID_LENGTH), nullable=False),
    Column("repo_id", String(ID_LENGTH), nullable=False),
    Column("name", String(500), nullable=False),
    Column("public_access", String(10), nullable=False, default="View"),
    Column("metadata", JSONType, nullable=False, default=dict),
    Column("created_ts", BigInteger, nullable=False),
    Column("updated_ts", BigInteger, nullable=False),
    Index("uq_collections_owner", "owner_type", "owner", "repo_id", unique=True),
    comment="OCL collections: owner (owner_type users or orgs), repo_id unique per owner, "
    "public_access View, Edit or None, the other OCL fields in metadata.",
)

collection_references = Table(
    "collection_references",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("collection_id", RowId, ForeignKey("collections.id"), nullable=False),
    Column("expression", String(EXPRESSION_LENGTH), nullable=False),
    Column("reference_type", String(10), nullable=False),
    Column("codesystem_id", String(ID_LENGTH), nullable=False),
    Column("component_id", String(ID_LENGTH), nullable=False),
    Column("source_version", String(ID_LENGTH), nullable=True),
    Column("component_version", BigInteger, nullable=True),
    Column("added_ts", BigInteger, nullable=False),
    Column("removed_ts", BigInteger, nullable=True),
    Column("added_by", String(ID_LENGTH), nullable=False),
    Index("ix_collection_references_collection", "collection_id", "added_ts"),
    comment="References of collections with time: live at T when added_ts <= T and "
    "(removed_ts is null or T < removed_ts); times are store commit timestamps.",
)

collection_versions = Table(
    "collection_versions",
    metadata,
    Column("collection_id", RowId, ForeignKey("collections.id"), primary_key=True),
    Column("version", String(ID_LENGTH), primary_key=True),
    Column("created_ts", BigInteger, nullable=False),
    Column("metadata", JSONType, nullable=False, default=dict),
    comment="Collection versions: frozen at created_ts (a store commit timestamp).",
)

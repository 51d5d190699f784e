"""The accounts tables, on the revision store's metadata (one database, one Alembic history).

``metadata`` here is the whole schema: the revision store's tables plus these. Migrations and
the test that compares the migrated database with the models use it.

- ``users``: one row per account; ``password_hash`` is a password hasher's encoded string
  (never the password), ``is_staff`` marks administrators, ``is_active`` false once retired.
- ``tokens``: API tokens, stored as the SHA-256 hex digest of the token (the token itself is
  shown once, when made); a token is revoked by deleting its row.
- ``orgs``: organisations (OCL's), with ``public_access`` ``View``, ``Edit`` or ``None``.
- ``memberships``: a user in an organisation with a role, ``member`` or ``admin``.
- ``repositories``: who owns a code system and who may see it: the owner (a user or an
  organisation), the repository type (``source``), its id under the owner (``repo_id``, unique
  per owner and type; the code system's id is its ``short_code``) and ``public_access``. A code
  system with no row is owned by the server (staff write, everyone reads). The row goes
  with its code system (``ON DELETE CASCADE``), so a new code system of the same id starts
  without an owner.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, String, Table, false

from revisions.schema import ID_LENGTH, JSONType, RowId, metadata

__all__ = ["memberships", "metadata", "orgs", "repositories", "tokens", "users"]

users = Table(
    "users",
    metadata,
    Column("id", RowId, primary_key=True),
    Column("username", String(ID_LENGTH), nullable=False, unique=True),
    Column("email", String(320), nullable=True),
    Column("password_hash", String(500), nullable=True),
    Column("is_staff", Boolean, nullable=False, default=False, server_default=false()),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("metadata", JSONType, nullable=False, default=dict),
    Column("created_ts", BigInteger, nullable=False),
    Column("updated_ts", BigInteger, nullable=False),
    Column("last_login_ts", BigInteger, nullable=True),
    comment="Accounts. password_hash is the hasher's encoded string, never the password.",
)

tokens = Table(
    "tokens",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("user_id", RowId, ForeignKey("users.id"), nullable=False),
    Column("created_ts", BigInteger, nullable=False),
    Index("ix_tokens_user_id", "user_id"),
    comment="API tokens as SHA-256 hex digests; deleting the row revokes the token.",
)

orgs = Table(
    "orgs",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("name", String(500), nullable=False),
    Column("public_access", String(10), nullable=False, default="View"),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("metadata", JSONType, nullable=False, default=dict),
    Column("created_by", String(ID_LENGTH), nullable=False),
    Column("updated_by", String(ID_LENGTH), nullable=False),
    Column("created_ts", BigInteger, nullable=False),
    Column("updated_ts", BigInteger, nullable=False),
    comment="Organisations; public_access is View, Edit or None.",
)

memberships = Table(
    "memberships",
    metadata,
    Column("org_id", String(ID_LENGTH), ForeignKey("orgs.id"), primary_key=True),
    Column("user_id", RowId, ForeignKey("users.id"), primary_key=True),
    Column("role", String(10), nullable=False, default="member"),
    Index("ix_memberships_user_id", "user_id"),
    comment="A user in an organisation; role is member or admin.",
)

repositories = Table(
    "repositories",
    metadata,
    Column(
        "codesystem_id",
        String(ID_LENGTH),
        ForeignKey("codesystems.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("kind", String(20), nullable=False, default="source"),
    Column("owner_type", String(10), nullable=False),
    Column("owner", String(ID_LENGTH), nullable=False),
    Column("repo_id", String(ID_LENGTH), nullable=False),
    Column("public_access", String(10), nullable=False, default="View"),
    Index("uq_repositories_owner", "owner_type", "owner", "kind", "repo_id", unique=True),
    comment="Who owns a code system (owner_type users or orgs; repo_id its id in the owner's "
    "URLs) and who may see it (public_access View, Edit or None). No row: owned by the server.",
)

# The collections' tables join the same metadata (their module is theirs; this import makes
# ``metadata`` here the whole schema, as the migrations and the tests read it).
from accounts import collection_schema  # noqa: E402, F401

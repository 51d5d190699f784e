"""Accounts (issue 18): users, API tokens (hashed), organisations, memberships, and who owns
which code system (``repositories``). Their models are ``accounts.schema``.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", ROW_ID, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("password_hash", sa.String(length=500), nullable=True),
        sa.Column("is_staff", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("created_ts", sa.BigInteger(), nullable=False),
        sa.Column("updated_ts", sa.BigInteger(), nullable=False),
        sa.Column("last_login_ts", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        comment="Accounts. password_hash is the hasher's encoded string, never the password.",
    )
    op.create_table(
        "tokens",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", ROW_ID, nullable=False),
        sa.Column("created_ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_tokens")),
        comment="API tokens as SHA-256 hex digests; deleting the row revokes the token.",
    )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])
    op.create_table(
        "orgs",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("public_access", sa.String(length=10), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("created_ts", sa.BigInteger(), nullable=False),
        sa.Column("updated_ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orgs")),
        comment="Organisations; public_access is View, Edit or None.",
    )
    op.create_table(
        "memberships",
        sa.Column("org_id", sa.String(length=100), nullable=False),
        sa.Column("user_id", ROW_ID, nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_memberships_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users")
        ),
        sa.PrimaryKeyConstraint("org_id", "user_id", name=op.f("pk_memberships")),
        comment="A user in an organisation; role is member or admin.",
    )
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.create_table(
        "repositories",
        sa.Column("codesystem_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("owner_type", sa.String(length=10), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("repo_id", sa.String(length=100), nullable=False),
        sa.Column("public_access", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["codesystem_id"],
            ["codesystems.id"],
            name=op.f("fk_repositories_codesystem_id_codesystems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("codesystem_id", name=op.f("pk_repositories")),
        comment="Who owns a code system (owner_type users or orgs; repo_id its id in the "
        "owner's URLs) and who may see it (public_access View, Edit or None). No row: owned "
        "by the server.",
    )
    op.create_index(
        "uq_repositories_owner",
        "repositories",
        ["owner_type", "owner", "kind", "repo_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("repositories")
    op.drop_table("memberships")
    op.drop_table("orgs")
    op.drop_table("tokens")
    op.drop_table("users")

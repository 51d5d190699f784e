"""Owners for the OCL API tests, inserted as rows (the accounts API is another module's):
an organisation in ``orgs``, a user in ``users``."""

from __future__ import annotations

from accounts.schema import orgs, users
from revisions import RevisionStore

TS = 1_600_000_000_000


def org(store: RevisionStore, org_id: str = "WHO", public_access: str = "View") -> str:
    with store.engine.begin() as connection:
        connection.execute(
            orgs.insert().values(
                id=org_id,
                name=f"{org_id} organisation",
                public_access=public_access,
                is_active=True,
                metadata={},
                created_by="admin",
                updated_by="admin",
                created_ts=TS,
                updated_ts=TS,
            )
        )
    return org_id


def user(store: RevisionStore, username: str = "jdoe") -> str:
    with store.engine.begin() as connection:
        connection.execute(
            users.insert().values(
                username=username,
                is_staff=False,
                is_active=True,
                metadata={},
                created_ts=TS,
                updated_ts=TS,
            )
        )
    return username

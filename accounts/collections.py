"""Collection records: collections, their references kept with time, their versions. No
Flask; every function takes the store's engine and clock.

Every write takes its time from the store's commit clock (:func:`revisions.db.next_timestamp`,
first in its transaction): strictly increasing across the store's commits and these writes,
and its row lock serialises them. So a collection version taken at ``T`` (its
``created_ts``) sees exactly the references with ``added_ts <= T`` and no ``removed_ts <= T``,
and the sources exactly as committed up to ``T``: every later commit has a later time.

::

    revisions.errors.NotFound
    ├── CollectionNotFound
    ├── CollectionVersionNotFound
    └── ReferenceNotFound
    revisions.errors.Conflict
    ├── CollectionExists
    └── CollectionVersionExists
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, and_, delete, func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError

from accounts.collection_schema import collection_references, collection_versions, collections
from accounts.repositories import OwnerNotFound, owner_exists
from revisions import db
from revisions.clock import Clock
from revisions.errors import Conflict, NotFound
from revisions.filters import one_of

C, R, V = collections, collection_references, collection_versions


class CollectionNotFound(NotFound):
    pass


class CollectionVersionNotFound(NotFound):
    pass


class ReferenceNotFound(NotFound):
    pass


class CollectionExists(Conflict):
    pass


class CollectionVersionExists(Conflict):
    pass


@dataclass(frozen=True, slots=True)
class Collection:
    id: int
    owner_type: str  # orgs | users
    owner: str
    repo_id: str
    name: str
    public_access: str
    metadata: dict[str, Any]
    created_ts: int
    updated_ts: int


@dataclass(frozen=True, slots=True)
class Target:
    """What an expression names: a concept or mapping of a source, maybe pinned."""

    expression: str
    reference_type: str  # concepts | mappings
    codesystem_id: str
    component_id: str
    source_version: str | None = None
    component_version: int | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    id: int
    collection_id: int
    target: Target
    added_ts: int
    removed_ts: int | None
    added_by: str

    @property
    def expression(self) -> str:
        return self.target.expression


@dataclass(frozen=True, slots=True)
class CollectionVersion:
    collection_id: int
    version: str
    created_ts: int
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One expression of an add: the reference made, or the live one it conflicts with."""

    target: Target
    added: Reference | None = None
    conflict: Reference | None = None


def _collection(row: Any) -> Collection:
    return Collection(
        row.id,
        row.owner_type,
        row.owner,
        row.repo_id,
        row.name,
        row.public_access,
        dict(row.metadata or {}),
        row.created_ts,
        row.updated_ts,
    )


def _reference(row: Any) -> Reference:
    target = Target(
        row.expression,
        row.reference_type,
        row.codesystem_id,
        row.component_id,
        row.source_version,
        row.component_version,
    )
    return Reference(row.id, row.collection_id, target, row.added_ts, row.removed_ts, row.added_by)


def _version(row: Any) -> CollectionVersion:
    return CollectionVersion(
        row.collection_id, row.version, row.created_ts, dict(row.metadata or {})
    )


def _tick(connection: Connection, clock: Clock) -> int:
    """This write's time on the store's commit clock (first statement of the transaction)."""
    return db.next_timestamp(connection, clock)


# --- collections --------------------------------------------------------------------------


def add(
    engine: Engine,
    clock: Clock,
    owner_type: str,
    owner: str,
    repo_id: str,
    name: str,
    public_access: str,
    metadata: dict[str, Any],
) -> Collection:
    """Record a new collection; :class:`CollectionExists` if the owner has one with that id."""
    try:
        with engine.begin() as connection:
            ts = _tick(connection, clock)
            if not owner_exists(connection, owner_type, owner):
                raise OwnerNotFound(f"Owner '{owner}' does not exist.")
            connection.execute(
                C.insert().values(
                    owner_type=owner_type,
                    owner=owner,
                    repo_id=repo_id,
                    name=name,
                    public_access=public_access,
                    metadata=metadata,
                    created_ts=ts,
                    updated_ts=ts,
                )
            )
    except IntegrityError:
        raise CollectionExists(f"'{owner}' already has a collection '{repo_id}'.") from None
    return get(engine, owner_type, owner, repo_id)


def get(engine: Engine, owner_type: str, owner: str, repo_id: str) -> Collection:
    """The owner's collection ``repo_id`` (:class:`OwnerNotFound`, :class:`CollectionNotFound`)."""
    with engine.connect() as connection:
        row = connection.execute(
            select(C).where(
                C.c.owner_type == owner_type, C.c.owner == owner, C.c.repo_id == repo_id
            )
        ).first()
        if row is not None:
            return _collection(row)
        if not owner_exists(connection, owner_type, owner):
            raise OwnerNotFound(f"Owner '{owner}' does not exist.")
    raise CollectionNotFound(f"'{owner}' has no collection '{repo_id}'.")


def by_id(engine: Engine, collection_id: int) -> Collection:
    """The collection with the row id ``collection_id`` (:class:`CollectionNotFound`)."""
    with engine.connect() as connection:
        row = connection.execute(select(C).where(C.c.id == collection_id)).first()
    if row is None:
        raise CollectionNotFound(f"There is no collection {collection_id}.")
    return _collection(row)


def exists(engine: Engine, owner_type: str, owner: str, repo_id: str) -> bool:
    try:
        get(engine, owner_type, owner, repo_id)
    except CollectionNotFound:
        return False
    return True


def list_for(
    engine: Engine, owner_type: str | None = None, owner: str | None = None
) -> list[Collection]:
    """The collections of one owner (both given) or of everyone, by owner and id."""
    stmt = select(C)
    if owner_type is not None:
        stmt = stmt.where(C.c.owner_type == owner_type, C.c.owner == owner)
    stmt = stmt.order_by(C.c.owner_type, C.c.owner, C.c.repo_id)
    with engine.connect() as connection:
        return [_collection(row) for row in connection.execute(stmt)]


def update(
    engine: Engine,
    clock: Clock,
    collection: Collection,
    *,
    name: str | None = None,
    public_access: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Collection:
    """Change the given fields (None: unchanged)."""
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = name
    if public_access is not None:
        values["public_access"] = public_access
    if metadata is not None:
        values["metadata"] = metadata
    with engine.begin() as connection:
        values["updated_ts"] = _tick(connection, clock)
        result = connection.execute(C.update().where(C.c.id == collection.id).values(**values))
        if result.rowcount == 0:
            raise CollectionNotFound(f"Collection '{collection.repo_id}' no longer exists.")
    return get(engine, collection.owner_type, collection.owner, collection.repo_id)


def remove(engine: Engine, collection: Collection) -> None:
    """Delete the collection with its references and versions, all or nothing."""
    with engine.begin() as connection:
        connection.execute(delete(R).where(R.c.collection_id == collection.id))
        connection.execute(delete(V).where(V.c.collection_id == collection.id))
        connection.execute(delete(C).where(C.c.id == collection.id))


# --- references ---------------------------------------------------------------------------


def _live(at: int | None) -> Any:
    if at is None:
        return R.c.removed_ts.is_(None)
    return and_(R.c.added_ts <= at, or_(R.c.removed_ts.is_(None), R.c.removed_ts > at))


def _same(target: Target) -> tuple:
    return (target.reference_type, target.codesystem_id, target.component_id)


def add_references(
    engine: Engine, clock: Clock, collection: Collection, targets: Sequence[Target], author: str
) -> list[Outcome]:
    """Add each target unless a live reference (or an earlier target) names the same concept
    or mapping of the same source: one transaction, one time for all."""
    outcomes: list[Outcome] = []
    with engine.begin() as connection:
        ts = _tick(connection, clock)
        live = {
            _same(ref.target): ref
            for ref in map(
                _reference,
                connection.execute(
                    select(R).where(R.c.collection_id == collection.id, _live(None))
                ),
            )
        }
        for target in targets:
            if _same(target) in live:
                outcomes.append(Outcome(target, conflict=live[_same(target)]))
                continue
            new_id = connection.execute(
                R.insert()
                .values(
                    collection_id=collection.id,
                    expression=target.expression,
                    reference_type=target.reference_type,
                    codesystem_id=target.codesystem_id,
                    component_id=target.component_id,
                    source_version=target.source_version,
                    component_version=target.component_version,
                    added_ts=ts,
                    added_by=author,
                )
                .returning(R.c.id)
            ).scalar_one()
            made = Reference(new_id, collection.id, target, ts, None, author)
            live[_same(target)] = made
            outcomes.append(Outcome(target, added=made))
        if any(o.added for o in outcomes):
            connection.execute(C.update().where(C.c.id == collection.id).values(updated_ts=ts))
    return outcomes


def remove_references(
    engine: Engine,
    clock: Clock,
    collection: Collection,
    expressions: Sequence[str] = (),
    ids: Sequence[int] = (),
    *,
    every: bool = False,
) -> int:
    """Mark the live references with one of ``expressions`` or ``ids`` (or ``every`` one)
    removed now; the number removed. Versions taken before keep them."""
    with engine.begin() as connection:
        ts = _tick(connection, clock)
        stmt = R.update().where(R.c.collection_id == collection.id, _live(None))
        if not every:
            # bound as two arrays: a list of 65,536 bound values was a 500 (one_of)
            dialect = connection.dialect.name
            named = one_of(R.c.expression, list(expressions), dialect)
            stmt = stmt.where(or_(named, one_of(R.c.id, list(ids), dialect, BigInteger())))
        removed = connection.execute(stmt.values(removed_ts=ts)).rowcount
        if removed:
            connection.execute(C.update().where(C.c.id == collection.id).values(updated_ts=ts))
    return int(removed)


ReferenceKey = tuple[str, str, int]  # (component id, code system id, reference id)


def reference_key(reference: Reference) -> ReferenceKey:
    """Where ``reference`` sorts among references ordered by component."""
    target = reference.target
    return (target.component_id, target.codesystem_id, reference.id)


def references(
    engine: Engine,
    collection: Collection,
    at: int | None = None,
    *,
    reference_type: str | None = None,
    component_id: str | None = None,
    after: int | ReferenceKey | None = None,
    offset: int = 0,
    limit: int | None = None,
    by_component: bool = False,
) -> list[Reference]:
    """The references live at ``at`` (None: now), skipping ``offset``: by id, after the id
    ``after``; or, ``by_component``, by :func:`reference_key`, after that key."""
    stmt = select(R).where(R.c.collection_id == collection.id, _live(at))
    key = (R.c.component_id, R.c.codesystem_id, R.c.id) if by_component else (R.c.id,)
    if isinstance(after, tuple):
        stmt = stmt.where(tuple_(*key) > tuple_(*after))
    elif after is not None:
        stmt = stmt.where(R.c.id > after)
    if reference_type is not None:
        stmt = stmt.where(R.c.reference_type == reference_type)
    if component_id is not None:
        stmt = stmt.where(R.c.component_id == component_id)
    stmt = stmt.order_by(*key).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    with engine.connect() as connection:
        return [_reference(row) for row in connection.execute(stmt)]


def count_references(
    engine: Engine,
    collection: Collection,
    at: int | None = None,
    reference_type: str | None = None,
) -> int:
    stmt = select(func.count()).where(R.c.collection_id == collection.id, _live(at))
    if reference_type is not None:
        stmt = stmt.where(R.c.reference_type == reference_type)
    with engine.connect() as connection:
        return int(connection.execute(stmt).scalar_one())


def reference(
    engine: Engine, collection: Collection, reference_id: int, at: int | None
) -> Reference:
    """One reference live at ``at``; :class:`ReferenceNotFound` otherwise."""
    stmt = select(R).where(R.c.collection_id == collection.id, R.c.id == reference_id, _live(at))
    with engine.connect() as connection:
        row = connection.execute(stmt).first()
    if row is None:
        raise ReferenceNotFound(
            f"Collection '{collection.repo_id}' has no reference '{reference_id}'."
        )
    return _reference(row)


# --- versions -----------------------------------------------------------------------------


def _no_version(collection: Collection, version: str) -> CollectionVersionNotFound:
    message = f"Collection '{collection.repo_id}' has no version '{version}'."
    return CollectionVersionNotFound(message)


def create_version(
    engine: Engine, clock: Clock, collection: Collection, version: str, metadata: dict[str, Any]
) -> CollectionVersion:
    """Take a version now (its ``created_ts`` is this write's store time);
    :class:`CollectionVersionExists` if the id is taken."""
    try:
        with engine.begin() as connection:
            ts = _tick(connection, clock)
            taken = connection.execute(
                select(V.c.version).where(
                    V.c.collection_id == collection.id, V.c.version == version
                )
            ).first()
            if taken is not None:
                raise CollectionVersionExists(f"Collection version '{version}' already exist.")
            connection.execute(
                V.insert().values(
                    collection_id=collection.id, version=version, created_ts=ts, metadata=metadata
                )
            )
    except IntegrityError:
        raise CollectionVersionExists(f"Collection version '{version}' already exist.") from None
    return CollectionVersion(collection.id, version, ts, metadata)


def versions(engine: Engine, collection: Collection) -> list[CollectionVersion]:
    """The collection's versions, newest first."""
    stmt = (
        select(V)
        .where(V.c.collection_id == collection.id)
        .order_by(V.c.created_ts.desc(), V.c.version)
    )
    with engine.connect() as connection:
        return [_version(row) for row in connection.execute(stmt)]


def get_version(engine: Engine, collection: Collection, version: str) -> CollectionVersion:
    stmt = select(V).where(V.c.collection_id == collection.id, V.c.version == version)
    with engine.connect() as connection:
        row = connection.execute(stmt).first()
    if row is None:
        raise _no_version(collection, version)
    return _version(row)


def update_version(
    engine: Engine, collection: Collection, version: str, metadata: dict[str, Any]
) -> CollectionVersion:
    with engine.begin() as connection:
        result = connection.execute(
            V.update()
            .where(V.c.collection_id == collection.id, V.c.version == version)
            .values(metadata=metadata)
        )
        if result.rowcount == 0:
            raise _no_version(collection, version)
    return get_version(engine, collection, version)


def delete_version(engine: Engine, collection: Collection, version: str) -> None:
    with engine.begin() as connection:
        result = connection.execute(
            delete(V).where(V.c.collection_id == collection.id, V.c.version == version)
        )
        if result.rowcount == 0:
            raise _no_version(collection, version)

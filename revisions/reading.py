"""The store's reads: branches, components by id and by page, counts, search, the hierarchy,
compare, commit logs and history, at any read point.

:class:`StoreReads` is the read half of :class:`revisions.RevisionStore` (which adds the
writes). Reads take read points as values (:class:`ReadPoint`, :class:`ReadRange`) or an
already resolved :class:`View`; what a read point sees is decided by
:mod:`revisions.visibility` alone, and the SQL of each read shape lives in
:mod:`revisions.read`, :mod:`revisions.search`, :mod:`revisions.hierarchy` and
:mod:`revisions.history`. Reads run on autocommit pools of their own
(:func:`revisions.db.reading_engine`), those by id and pages of an already resolved view
through the driver (:mod:`revisions.prepared`, no SQLAlchemy connection); a view never
changes, so exact totals are cached per view and filter, and head views are kept while the
store clock stands still.

A read at a past time ``T`` gives the same answer before, during and after any commit: before
resolving its view it is *settled* (:func:`revisions.db.settle`), which waits, at most
``read_wait_ms``, for a write in flight that might still commit at or before ``T``. A time
not yet past (``T`` at or after the clock's now) reads the head as it stands, like a read
without a timestamp (docs/revision-store.md, "Exact past reads").
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select

from revisions import (
    branches,
    db,
    derived,
    expressions,
    hierarchy,
    merge,
    read,
    referring,
    scan,
    schema,
    search,
    values,
)
from revisions.clock import Clock, SystemClock
from revisions.components import TYPES, ComponentType, component_type
from revisions.epoch import Epoch, watch
from revisions.errors import ComponentNotFound, InvalidRequest
from revisions.filters import Filter
from revisions.history import (
    Part,
    commit_log,
    component_history,
    count_commits,
    edit_times,
    edit_times_in_order,
)
from revisions.prepared import DriverStatement, DriverStatements
from revisions.records import (
    Branch,
    Commit,
    Comparison,
    Component,
    Order,
    Page,
    ReadPoint,
    ReadRange,
    Revision,
    Stored,
)
from revisions.rows import to_component
from revisions.values import storable_id
from revisions.visibility import HeadViews, SegmentRows, View, view_of
from snowpath import Expression

Point = ReadPoint | ReadRange | View
MAX_LIMIT = 10_000
READ_WAIT_MS = 5_000  # how long a read at a past time waits for a write in flight
_COUNT_CACHE_SIZE = 2048
T = TypeVar("T")


class StoreReads:
    def __init__(
        self,
        engine: Engine,
        clock: Clock | None = None,
        *,
        read_wait_ms: int = READ_WAIT_MS,
        epoch: Epoch | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.read_wait_ms = read_wait_ms
        self.epoch = epoch  # moved by this engine's commits; read points' views kept by it
        if epoch is not None:
            watch(engine, epoch)
        self._marked = HeadViews()
        self._settled = 0  # reads at or before this time are known to be final
        self._counts: OrderedDict[tuple, int] = OrderedDict()
        self._counts_lock = threading.Lock()
        self._segment_rows = SegmentRows()
        # Segments with at most this many description revisions are searched through their
        # own rows (``search.OWN_ROWS_MOST``); 0 sends every search through the indexes.
        self.search_own_rows_most = search.OWN_ROWS_MOST
        self._built = derived.Built()
        self._expansions = search.Expansions()
        self._heads = HeadViews()
        self._reader = db.reading_engine(engine)
        self._prepared_reader = db.reading_engine(engine, generic_plans=True)
        self._clock_row = DriverStatement(self._prepared_reader, db.LAST_TIMESTAMP)
        # Reads by id and pages of a resolved view: through the driver, on the same pool.
        self._driver = DriverStatements(self._prepared_reader)
        # Searches' ranked statements: through the driver too, planned per call.
        self._planned = DriverStatements(self._reader)

    def reading(self) -> Connection:
        """A connection for reads (no transaction); use it as a context manager."""
        return self._reader.connect()

    def _probing(self) -> Connection:
        """A connection for reads whose plan cannot depend on the values (index probes by
        id, keyset pages, branch records, what refers to given ids, their edit times):
        generic plans, no planning per call."""
        return self._prepared_reader.connect()

    # --- branches --------------------------------------------------------------------------

    def get_branch(self, path: str) -> Branch:
        with self.reading() as connection:
            return branches.to_branch(connection, branches.load_for_display(connection, path))

    def list_branches(self, prefix: str | None = None) -> list[Branch]:
        """Every branch (deleted ones too), by path; below ``prefix`` when given."""
        B = schema.branches
        stmt = select(B.c.id).order_by(B.c.path, B.c.id)
        if prefix is not None:
            stmt = stmt.where(B.c.path.startswith(prefix + "/", autoescape=True))
        with self.reading() as connection:
            ids = list(connection.execute(stmt).scalars())
            return [branches.to_branch(connection, branches.load_by_id(connection, i)) for i in ids]

    def children(self, path: str) -> list[Branch]:
        """All branches below ``path`` (transitively)."""
        self.get_branch(path)
        return self.list_branches(prefix=path)

    # --- components ------------------------------------------------------------------------

    def read_point(self, expression: Expression) -> ReadPoint | ReadRange:
        """The read point a parsed path expression stands for (relative paths resolved)."""
        if expressions.is_absolute(expression):
            return expressions.read_point(None, expression)
        with self.reading() as connection:
            return expressions.read_point(connection, expression)

    def writable_path(self, expression: Expression) -> str:
        """The branch a write to ``expression`` goes to; refuses anything but a plain path."""
        with self.reading() as connection:
            return expressions.writable_path(connection, expression)

    def view(self, point: Point) -> View:
        """Resolve a read point once, to reuse it for several reads."""
        if isinstance(point, View):
            return point
        self._settle(point)
        with self._probing() as connection:
            return self._view(connection, point)

    def current_view(self, point: ReadPoint | ReadRange) -> View:
        """:meth:`view`, kept per read point while nothing commits: with an epoch
        (``revisions.epoch``) a point resolved before costs no statement; without one, while
        the store clock stands still (what a path resolves to changes only in transactions
        that move it: ``HeadViews``), one statement, the clock's. A range is resolved anew."""
        self._settle(point)
        if self.epoch is not None and isinstance(point, ReadPoint):
            return self._marked.through(point, self.epoch, lambda: self._resolved(point))
        clock = self._clock_now()
        cached = self._heads.get(point) if isinstance(point, ReadPoint) else None
        if cached is not None and cached[0] == clock:
            return cached[1]
        with self._probing() as connection:
            view = view_of(connection, point)
            if isinstance(point, ReadPoint) and db.last_timestamp(connection) == clock:
                self._heads.put(point, clock, view)
            return view

    def _resolved(self, point: ReadPoint) -> View:
        with self._probing() as connection:
            return view_of(connection, point)

    def _clock_now(self) -> int:
        """:func:`db.last_timestamp` through the driver (a third of the time SQLAlchemy's
        execution layer takes on PostgreSQL: 40 us against 120-200 us)."""
        row = self._clock_row.first({})
        assert row is not None  # the store is initialized
        return int(row["last_ts"])

    def is_final(self, point: ReadPoint | ReadRange, view: View) -> bool:
        """Whether what ``point`` shows (resolved to ``view``) can never change, unless its
        branch is deleted: a time this store has settled (no commit can land at or before
        it), or the head of a version tag. Not a base point (a rebase moves it), a head, a
        time not yet past, or a range."""
        if not isinstance(point, ReadPoint) or point.base:
            return False
        if point.timestamp is None:
            return view.tag
        return point.timestamp <= self._settled

    def _view(self, connection: Connection, point: Point) -> View:
        """The view of ``point`` (settled first by the caller: see :meth:`_settle`)."""
        return point if isinstance(point, View) else view_of(connection, point)

    def settle(self, point: Point) -> None:
        """Make a read at a past time final now, for a caller that reads other tables about
        the point before the store reads it (``api.auth``'s rights): waiting or answering
        :class:`~revisions.errors.CommitInFlight` comes first, as for the store's own reads."""
        self._settle(point)

    def _settle(self, *points: Point) -> None:
        """Make reads at the past times ``points`` name final (see the module docstring).

        Runs before the read's own connection starts: on SQLite a read's statements share
        one snapshot, which must not predate the commit this may wait for. Once the
        committed clock is known to have passed a time, nothing can commit at or before it.
        """
        for point in points:
            if isinstance(point, ReadRange):
                self._settle(point.left, point.right)
            elif isinstance(point, ReadPoint) and point.timestamp is not None and not point.base:
                ts = point.timestamp
                if ts <= self._settled or ts >= self.clock.now_ms():
                    continue
                with self.reading() as connection:
                    last = db.last_timestamp(connection)
                if last < ts:
                    last = db.settle(self.engine, ts, self.read_wait_ms)
                self._settled = max(self._settled, last)

    def get(self, point: Point, type_name: str, component_id: str) -> Component:
        return self.lookup(point, type_name, component_id)[1]

    def lookup(self, point: Point, type_name: str, component_id: str) -> tuple[View, Component]:
        """The view ``point`` stands for and the component in it, through one connection.

        :raises ComponentNotFound: the view does not show ``component_id``.
        """
        ctype = component_type(type_name)
        self._settle(point)
        if isinstance(point, View):  # resolved: one statement, through the driver
            view, found = point, None
            if storable_id(component_id):  # else nothing stored has it (PostgreSQL: an error)
                found = read.lookup_in(self._driver, ctype, point, component_id)
        else:
            with self._probing() as connection:
                if not storable_id(component_id):
                    view, found = self._view(connection, point), None
                else:
                    view, found = self._lookup(connection, ctype, point, component_id)
        if found is None:
            raise ComponentNotFound(
                f"{type_name.capitalize()} '{component_id}' does not exist at this path."
            )
        return view, found

    def _lookup(
        self,
        connection: Connection,
        ctype: ComponentType,
        point: ReadPoint | ReadRange,
        component_id: str,
    ) -> tuple[View, Component | None]:
        """A head read reuses the view it resolved last time while the clock the read
        returns has not moved: one statement instead of two."""
        if not (isinstance(point, ReadPoint) and point.timestamp is None and not point.base):
            view = self._view(connection, point)
            return view, read.lookup(connection, ctype, view, component_id)[1]
        cached = self._heads.get(point.path)
        if cached is not None:
            clock, found = read.lookup(connection, ctype, cached[1], component_id)
            if clock == cached[0]:
                return cached[1], found
        else:
            clock = db.last_timestamp(connection)
        # Keep the view only if nothing was written between that clock reading and the read.
        view = view_of(connection, point)
        seen, found = read.lookup(connection, ctype, view, component_id)
        if seen == clock:
            self._heads.put(point.path, clock, view)
        return view, found

    def get_many(self, point: Point, type_name: str, ids: Iterable[str]) -> dict[str, Component]:
        ctype = component_type(type_name)
        self._settle(point)
        ids = [i for i in ids if storable_id(i)]
        if isinstance(point, View):  # resolved: through the driver if it can
            driven = read.get_many_in(self._driver, ctype, point, ids)
            if driven is not None:
                return driven
        with self._probing() as connection:
            view = self._view(connection, point)
            return read.get_many(connection, ctype, view, ids)

    def page(
        self,
        point: Point,
        type_name: str,
        filter_: Filter | None = None,
        *,
        after: str | tuple[Any, str] | None = None,
        limit: int = 50,
        order: Order | None = None,
    ) -> Page:
        """Components in id order (or ``order``'s) after ``after``, with the exact total and
        the next key: the last id, or with an order the (value, id) of the last one."""
        ctype = component_type(type_name)
        if not 0 <= limit <= MAX_LIMIT:
            raise InvalidRequest(f"limit must be between 0 and {MAX_LIMIT}.")
        read.check_order(ctype, order)
        filter_ = filter_ or Filter()
        self._settle(point)
        driven = None
        if isinstance(point, View) and limit:  # resolved: through the driver if it can
            driven = read.page_in(self._driver, ctype, point, filter_, after, limit, order)
        if driven is not None:
            view, (items, next_after) = point, driven
        else:
            with self._probing() as connection:
                view = self._view(connection, point)
                items, next_after = (
                    ([], after)
                    if limit == 0
                    else read.page(connection, ctype, view, filter_, after, limit, order)
                )
        return Page(items, self.count(view, type_name, filter_), next_after)

    def count(self, point: Point, type_name: str, filter_: Filter | None = None) -> int:
        ctype = component_type(type_name)
        filter_ = filter_ or Filter()
        if isinstance(point, View):
            known = self._cached_count(ctype, point, filter_)
            if known is not None:
                return known
        self._settle(point)
        with self.reading() as connection:
            view = self._view(connection, point)
            return self._count(connection, ctype, view, filter_)

    def _cached_count(self, ctype: Any, view: View, filter_: Filter) -> int | None:
        # A view's content never changes (see revisions.visibility), so counts cache safely.
        with self._counts_lock:
            key = (ctype.name, view.key, filter_)
            if key in self._counts:
                self._counts.move_to_end(key)
                return self._counts[key]
        return None

    def _count(self, connection: Connection, ctype: Any, view: View, filter_: Filter) -> int:
        known = self._cached_count(ctype, view, filter_)
        if known is not None:
            return known
        key = (ctype.name, view.key, filter_)
        value = self._count_anew(connection, ctype, view, filter_)
        with self._counts_lock:
            self._counts[key] = value
            if len(self._counts) > _COUNT_CACHE_SIZE:
                self._counts.popitem(last=False)
        return value

    def _count_anew(self, connection: Connection, ctype: Any, view: View, filter_: Filter) -> int:
        """The exact count of a view not in the cache. Without exclusions (a range), a view
        is counted as the view below its shallowest segment when that segment holds no rows
        of the type, and from it when the segment holds few (fewer than
        ``SegmentRows.COUNTED``: :func:`read.count_above`): the view below stays the same
        while commits land on the shallowest branch (a task's), so its count is read from
        the cache instead of scanning every segment again after each commit."""
        if view.exclude or len(view.segments) < 2:
            return read.count(connection, ctype, view, filter_)
        kept, sizes = self._segment_rows.sized(connection, view, ctype.table)
        if len(kept.segments) < len(view.segments):
            return self._count(connection, ctype, kept, filter_)
        if sizes[0] >= self._segment_rows.COUNTED:
            return read.count(connection, ctype, view, filter_)
        below = replace(view, segments=view.segments[1:])
        return self._count(connection, ctype, below, filter_) + read.count_above(
            connection, ctype, view, filter_
        )

    def search_concepts(
        self,
        point: Point,
        text: str,
        filter_: Filter | None = None,
        *,
        after: tuple[int, str] | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[Component], int, tuple[int, str] | None]:
        """Concepts matching ``text``, best match first: (items, total, key to continue from).

        ``after`` is the (score, id) key of the previous page's last item.
        """
        if not 0 <= limit <= MAX_LIMIT:
            raise InvalidRequest(f"limit must be between 0 and {MAX_LIMIT}.")
        values.check_text("term", text)
        self._settle(point)
        with self.reading() as connection:
            view = self._view(connection, point)
            chosen, total, more = search.concept_page(
                connection,
                view,
                text,
                filter_ or Filter(),
                after=None if after is None else (int(after[0]), str(after[1])),
                offset=offset,
                limit=limit,
                segment_rows=self._segment_rows,
                built=self._built,
                expansions=self._expansions,
                planned=self._planned,
                own_rows_most=self.search_own_rows_most,
            )
        # The concepts by id: an index probe, on the generic-plan pool.
        found = self.get_many(view, "concept", [h.concept_id for h in chosen])
        items = [found[h.concept_id] for h in chosen]
        key = (chosen[-1].score, chosen[-1].concept_id) if more and chosen else None
        return items, total, key

    def ancestors(self, point: Point, concept_id: str) -> set[str]:
        """Ids of every concept above ``concept_id`` through ``parents``."""
        self._settle(point)
        with self.reading() as connection:
            view = self._view(connection, point)
            return hierarchy.ancestors(connection, view, concept_id)

    def descendants(self, point: Point, concept_id: str) -> set[str]:
        """Ids of every concept below ``concept_id`` through ``parents``."""
        self._settle(point)
        with self.reading() as connection:
            view = self._view(connection, point)
            edges = self._edges(connection, view)
            return hierarchy.descendants(connection, view, concept_id, edges=edges)

    def children_of(self, point: Point, ids: Iterable[str]) -> dict[str, list[str]]:
        """Per id, the ids of the concepts naming it in ``parents`` (id order)."""
        self._settle(point)
        with self.reading() as connection:
            view = self._view(connection, point)
            edges = self._edges(connection, view)
            return hierarchy.children_of(connection, view, ids, edges=edges)

    def child_concepts(self, point: Point, ids: Iterable[str]) -> dict[str, list[Component]]:
        """Per id, the concepts naming it in ``parents`` (id order)."""
        self._settle(point)
        with self.reading() as connection:
            view = self._view(connection, point)
            edges = self._edges(connection, view)
            return hierarchy.child_concepts(connection, view, ids, edges=edges)

    def ancestors_of(
        self, point: Point, ids: Iterable[str], most: int | None = None
    ) -> dict[str, list[str]] | None:
        """Per id, :meth:`ancestors` in id order; None past ``most`` ids in all."""
        self._settle(point)
        with self.reading() as connection:
            view = self._view(connection, point)
            return hierarchy.ancestors_of(connection, view, ids, most)

    def descendants_of(
        self, point: Point, ids: Iterable[str], most: int | None = None
    ) -> dict[str, list[str]] | None:
        """Per id, :meth:`descendants` in id order; None past ``most`` ids in all."""
        self._settle(point)
        with self.reading() as connection:
            view = self._view(connection, point)
            edges = self._edges(connection, view)
            return hierarchy.descendants_of(connection, view, ids, most, edges=edges)

    def _edges(self, connection: Connection, view: View) -> bool:
        """Whether children are read through ``concept_edges`` (:mod:`revisions.hierarchy`):
        asked of the database until the table is seen built while concepts are stored,
        then remembered (:class:`revisions.derived.Built`)."""
        stored = self._segment_rows.with_rows(connection, view, schema.concepts).segments
        return not self._built.is_pending(connection, derived.EDGES, source_has_rows=bool(stored))

    def referring(
        self, point: Point, type_name: str, field: str, ids: Iterable[str]
    ) -> dict[str, list[Component]]:
        """Per id in ``ids`` that has any, the components of ``type_name`` the view shows
        whose reference ``field`` is that id (id order)."""
        ctype = component_type(type_name)
        self._settle(point)
        with self._probing() as connection:
            view = self._view(connection, point)
            rows = referring.rows_referring(
                connection, ctype.table, field, view, list(ids), ctype.table
            )
        found: dict[str, list[Component]] = {}
        for row in sorted(rows, key=lambda r: r["component_id"]):
            found.setdefault(row[field], []).append(to_component(ctype, view, row))
        return found

    def scan(
        self, point: Point, type_name: str, order: tuple[str, ...] = ()
    ) -> Iterator[Component]:
        """Every component of ``type_name`` the view shows, ordered by the columns
        ``order`` then by id, streamed from one statement (:mod:`revisions.scan`). The
        connection stays open while the iterator is read; close the iterator to end early."""
        return self._scanned(scan.component_of, point, type_name, order)

    def scan_stored(
        self, point: Point, type_name: str, order: tuple[str, ...] = ()
    ) -> Iterator[Stored]:
        """:meth:`scan` as :class:`Stored` (no branch, no release: for the exports)."""
        return self._scanned(scan.stored_of, point, type_name, order)

    def _scanned(
        self,
        maker: Callable[[ComponentType, View], Callable[[Sequence[Any]], T]],
        point: Point,
        type_name: str,
        order: tuple[str, ...],
    ) -> Iterator[T]:
        ctype = component_type(type_name)
        view = self.view(point)
        with scan.streaming(self.engine) as connection:
            make = maker(ctype, view)
            yield from scan.made(make, connection, self._segment_rows, ctype, view, order)

    def edit_times(
        self, point: Point, parts: tuple[Part, ...], ids: list[str]
    ) -> dict[str, list[int]]:
        """Per id in ``ids``, its edit times (:func:`revisions.history.edit_times`)."""
        self._settle(point)
        with self._probing() as connection:
            return edit_times(connection, self._view(connection, point), parts, ids)

    def scan_edit_times(
        self, point: Point, parts: tuple[Part, ...]
    ) -> Iterator[tuple[str, list[int]]]:
        """Every id's edit times (:func:`revisions.history.edit_times_in_order`), in id
        order, streamed like :meth:`scan`."""
        view = self.view(point)
        with scan.streaming(self.engine) as connection:
            yield from edit_times_in_order(connection, view, parts)

    def compare(self, base: Point, compare: Point) -> Comparison:
        """New, changed and deleted component ids from ``base`` to ``compare``."""
        result = Comparison()
        self._settle(base, compare)
        with self.reading() as connection:
            left = self._view(connection, base)
            right = self._view(connection, compare)
            for ctype in TYPES.values():
                for cid, (old, new) in sorted(merge.diff(connection, ctype, left, right).items()):
                    part = (
                        result.new
                        if old is None
                        else result.deleted
                        if new is None
                        else result.changed
                    )
                    part.setdefault(ctype.name, []).append(cid)
        return result

    def commits(self, path: str, *, before: int | None = None, limit: int = 50) -> list[Commit]:
        """The branch's commit log, newest first, older than ``before`` when given."""
        with self.reading() as connection:
            row = branches.load_for_display(connection, path)
            return commit_log(connection, row, before, min(max(limit, 0), MAX_LIMIT))

    def count_commits(self, path: str) -> int:
        """How many commits the branch's log has."""
        with self.reading() as connection:
            row = branches.load_for_display(connection, path)
            return count_commits(connection, row)

    def history(self, point: Point, type_name: str, component_id: str) -> list[Revision]:
        """Every revision of one component that the read point's chain has seen, oldest first."""
        ctype = component_type(type_name)
        self._settle(point)
        with self.reading() as connection:
            view = self._view(connection, point)
            return component_history(connection, ctype, view, component_id)

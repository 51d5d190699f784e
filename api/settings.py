"""Every setting Snowpath reads, from ``SNOWPATH_*`` environment variables, in one place.

- ``SNOWPATH_DATA_DIR`` (default: the user's data folder, ``~/.local/share/snowpath`` on
  Linux, found by platformdirs when the settings are loaded; ``XDG_DATA_HOME`` is honoured):
  folder for the embedded database, exports, uploads, the read cache (``read-cache``) and,
  without Redis, the epoch (``epoch``: ``revisions.epoch``). Every process that writes one
  database shares its data folder or its Redis, or its writes reach the others' kept
  reads only within a second.
  The default does not depend on the working directory, so ``snowpath status``,
  ``snowpath db upgrade``, ``snowpath serve`` and ``bin/run`` see one store wherever they
  are run from.
- ``SNOWPATH_DATABASE_URL`` (default ``sqlite:///<data dir>/snowpath.db``): the store's
  SQLAlchemy URL; ``postgresql+psycopg://user@host/db`` in production.
- ``SNOWPATH_REDIS_URL`` (default unset = embedded mode): Redis for the rq job queues, the
  read cache shared by every process (``api.readcache``) and the epoch.
- ``SNOWPATH_EXPORT_DIR`` (default ``<data dir>/exports``): where export zips are kept.
- ``SNOWPATH_UPLOAD_DIR`` (default ``<data dir>/uploads``): where uploads wait for their import
  job (shared storage when workers run on other hosts).
- ``SNOWPATH_QUEUE`` (default ``snowpath``): the rq queue jobs go to and workers drain.
- ``SNOWPATH_LOG_LEVEL`` (default ``INFO``): the Python logging level.
- ``SNOWPATH_READ_WAIT_MS`` (default 5000): how long a read at a past time waits for a commit
  still in flight at or before that time before it answers 503 (docs/revision-store.md).
- ``SNOWPATH_WRITE_WAIT_MS`` (default 10000): how long a write made by a request waits for
  the write in flight (an import, a merge) before it answers 503; jobs wait up to an hour.
- ``SNOWPATH_MAX_JSON_BYTES`` (default 4 MiB): the largest JSON request body; a larger one
  is refused with 413 while it is read (also a chunked one without ``Content-Length``).
- ``SNOWPATH_MAX_UPLOAD_BYTES`` (default 1 GiB): the largest upload (``POST …/import``),
  refused the same way, before it is on disk.
- ``SNOWPATH_ACCESS_LOG`` (default ``on``): one line per request on stderr (method, path,
  status, duration, bytes; :mod:`api.access`); ``off`` turns it off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

PREFIX = "SNOWPATH_"
MAX_JSON_BYTES = 4 << 20  # a body of 10,000 ids or a concept with large extras fits
MAX_UPLOAD_BYTES = 1 << 30
READ_WAIT_MS = 5_000
WRITE_WAIT_MS = 10_000


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    export_dir: Path
    upload_dir: Path
    queue: str
    log_level: str
    read_wait_ms: int = READ_WAIT_MS
    write_wait_ms: int = WRITE_WAIT_MS
    max_json_bytes: int = MAX_JSON_BYTES
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    access_log: bool = True

    @property
    def embedded(self) -> bool:
        """No Redis configured: jobs run in-process."""
        return self.redis_url is None


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(PREFIX + name, "").strip()
        return value or None

    data_dir = Path(get("DATA_DIR") or user_data_path("snowpath", appauthor=False))
    return Settings(
        data_dir=data_dir,
        database_url=get("DATABASE_URL") or f"sqlite:///{data_dir / 'snowpath.db'}",
        redis_url=get("REDIS_URL"),
        export_dir=Path(get("EXPORT_DIR") or data_dir / "exports"),
        upload_dir=Path(get("UPLOAD_DIR") or data_dir / "uploads"),
        queue=get("QUEUE") or "snowpath",
        log_level=(get("LOG_LEVEL") or "INFO").upper(),
        read_wait_ms=_whole(get("READ_WAIT_MS"), "READ_WAIT_MS", READ_WAIT_MS, 0),
        write_wait_ms=_whole(get("WRITE_WAIT_MS"), "WRITE_WAIT_MS", WRITE_WAIT_MS, 0),
        max_json_bytes=_whole(get("MAX_JSON_BYTES"), "MAX_JSON_BYTES", MAX_JSON_BYTES, 1),
        max_upload_bytes=_whole(get("MAX_UPLOAD_BYTES"), "MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES, 1),
        access_log=_switch(get("ACCESS_LOG"), "ACCESS_LOG"),
    )


def _whole(text: str | None, name: str, default: int, minimum: int) -> int:
    """A whole-number setting of at least ``minimum``; ``default`` when unset."""
    if text is None:
        return default
    if not text.isdigit() or int(text) < minimum:
        raise ValueError(
            f"{PREFIX}{name} must be a whole number of at least {minimum}, not {text!r}."
        )
    return int(text)


def _switch(text: str | None, name: str) -> bool:
    """An on/off setting, on when unset."""
    if text is None or text.lower() in ("on", "1", "true", "yes"):
        return True
    if text.lower() in ("off", "0", "false", "no"):
        return False
    raise ValueError(f"{PREFIX}{name} must be on or off, not {text!r}.")

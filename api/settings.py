"""Every setting Snowpath reads, from ``SNOWPATH_*`` environment variables, in one place.

- ``SNOWPATH_DATA_DIR`` (default ``var``): folder for the embedded database and exports.
- ``SNOWPATH_DATABASE_URL`` (default ``sqlite:///<data dir>/snowpath.db``): the store's
  SQLAlchemy URL; ``postgresql+psycopg://user@host/db`` in production.
- ``SNOWPATH_REDIS_URL`` (default unset = embedded mode): Redis for the rq job queues.
- ``SNOWPATH_EXPORT_DIR`` (default ``<data dir>/exports``): where export zips are kept.
- ``SNOWPATH_UPLOAD_DIR`` (default ``<data dir>/uploads``): where uploads wait for their import
  job (shared storage when workers run on other hosts).
- ``SNOWPATH_QUEUE`` (default ``snowpath``): the rq queue jobs go to and workers drain.
- ``SNOWPATH_LOG_LEVEL`` (default ``INFO``): the Python logging level.
- ``SNOWPATH_MAX_JSON_BYTES`` (default 4 MiB): the largest JSON request body; a larger one
  is refused with 413 while it is read (also a chunked one without ``Content-Length``).
- ``SNOWPATH_MAX_UPLOAD_BYTES`` (default 1 GiB): the largest upload (``POST …/import``),
  refused the same way, before it is on disk.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PREFIX = "SNOWPATH_"
MAX_JSON_BYTES = 4 << 20  # a body of 10,000 ids or a concept with large extras fits
MAX_UPLOAD_BYTES = 1 << 30


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    export_dir: Path
    upload_dir: Path
    queue: str
    log_level: str
    max_json_bytes: int = MAX_JSON_BYTES
    max_upload_bytes: int = MAX_UPLOAD_BYTES

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

    data_dir = Path(get("DATA_DIR") or "var")
    return Settings(
        data_dir=data_dir,
        database_url=get("DATABASE_URL") or f"sqlite:///{data_dir / 'snowpath.db'}",
        redis_url=get("REDIS_URL"),
        export_dir=Path(get("EXPORT_DIR") or data_dir / "exports"),
        upload_dir=Path(get("UPLOAD_DIR") or data_dir / "uploads"),
        queue=get("QUEUE") or "snowpath",
        log_level=(get("LOG_LEVEL") or "INFO").upper(),
        max_json_bytes=_size(get("MAX_JSON_BYTES"), "MAX_JSON_BYTES", MAX_JSON_BYTES),
        max_upload_bytes=_size(get("MAX_UPLOAD_BYTES"), "MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES),
    )


def _size(value: str | None, name: str, default: int) -> int:
    """A byte count setting: a positive integer."""
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{PREFIX}{name} must be a positive number of bytes, not {value!r}.")
    return int(value)

"""Where export files are kept: a small interface (:class:`Storage`) and its filesystem
backend (:class:`FileStorage`, a folder that several hosts may share).

A file is named by a *key*, a relative path of ``/``-separated segments made by
:func:`key_of` (each segment percent-encoded, so no id can climb out of the folder or
collide with another). :meth:`Storage.write` takes the file's bytes as chunks, writes them
to a temporary file beside the final one and renames it into place only once every byte is
written and synced: a reader sees the whole file or none, whatever happens to the writer.
It returns the size and SHA-256 digest of what it wrote; readers check a file against those
before serving it (:mod:`exporter.exports`). A full disk (or quota, or file size limit) is
:class:`StorageFull`, and leaves no file behind, temporary or final.
"""

from __future__ import annotations

import errno
import hashlib
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import quote

from revisions.errors import StoreError

TEMP_SUFFIX = ".part"
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class StorageFull(StoreError):
    """The storage has no room for the file being written."""


@dataclass(frozen=True, slots=True)
class Written:
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Stat:
    """What identifies one stored file's content cheaply: if any of it changes, the file
    must be checked again."""

    size: int
    mtime_ns: int
    inode: int


def key_of(*segments: str) -> str:
    """A storage key from ids: each one percent-encoded (``/`` and ``.`` too)."""
    return "/".join(quote(s, safe="").replace(".", "%2E") for s in segments)


class Storage(Protocol):
    def write(self, key: str, chunks: Iterable[bytes]) -> Written:
        """Store ``chunks`` under ``key``, all or nothing."""
        ...

    def open(self, key: str) -> BinaryIO | None:
        """The stored file for reading, None when there is none."""
        ...

    def delete(self, key: str) -> bool:
        """Remove the file; whether there was one."""
        ...


class FileStorage:
    """Files in a folder: ``<folder>/<key>``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        parts = key.split("/")
        if any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"Not a storage key: {key!r}")
        return self.folder.joinpath(*parts)

    def write(self, key: str, chunks: Iterable[bytes]) -> Written:
        final = self.path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.with_name(f"{final.name}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
        digest, size = hashlib.sha256(), 0
        try:
            with open(temp, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, final)
        except OSError as error:
            temp.unlink(missing_ok=True)
            if error.errno in _FULL:
                raise StorageFull(
                    f"The export storage is full: {error.strerror} after {size} bytes; "
                    "no file was kept."
                ) from error
            raise
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return Written(size, digest.hexdigest())

    def open(self, key: str) -> BinaryIO | None:
        try:
            return open(self.path(key), "rb")
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> bool:
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        return True


def stat_of(file: BinaryIO) -> Stat:
    """The :class:`Stat` of an open stored file."""
    found = os.fstat(file.fileno())
    return Stat(found.st_size, found.st_mtime_ns, found.st_ino)


def sha256_of(file: BinaryIO) -> str:
    """The SHA-256 of an open file from its start (left positioned at its start)."""
    file.seek(0)
    digest = hashlib.file_digest(file, "sha256")
    file.seek(0)
    return digest.hexdigest()

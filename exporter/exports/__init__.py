"""Cached exports of repository versions: their state, their builds, and the file itself.

An export is one zip with one entry, ``export.json``: the repository version's fields (its
``type`` first, the repository's metadata as of the version last), then ``concepts``,
``references`` (collections) and ``mappings``, each sorted by id, retired ones included, then
``export_time``. What a build writes is given as :class:`Content` (the version's fields and
streams of objects with their change times), so a source version
(:func:`source_content`) and a collection version (:func:`collection_content`) feed one
builder.

State. One ``exports`` row per exported version (``revisions.schema.exports``) names the
stored file (storage key, size, SHA-256, lastUpdated) and the latest build job. What the API
answers (:func:`find`):

- ``BUILDING`` while that job is unfinished, as :func:`exporter.jobs.get` judges it: a job
  whose worker died or whose queue entry was lost is reported FAILED there, so an export is
  never "being built" forever;
- ``READY`` when the recorded file opens and matches its size and digest (:func:`open_ready`;
  the digest is computed once per file content, :class:`~exporter.storage.Stat`);
- ``NONE`` otherwise: never built, deleted, failed, or a stored file that no longer matches
  (a truncated or corrupt file is never served; a POST builds it again).

Builds. :func:`request_build` starts one unless the export is ready or being built; of two
concurrent requests exactly one starts it (the row's ``job_id`` changes only from the value
the request read, or the row is inserted only once). A build (the ``export`` job) streams
the content from the database (one streamed statement per component type and one per
kind of edit times, merged in id order) into a zip written through the storage (a
temporary file renamed into place when complete), records the file only if the row still
names its job (a newer build or a delete wins), then removes the file it replaced. While it
runs, its job's ``result`` holds ``{"done": n, "total": m}`` (objects written so far, of all).
Each build writes a file of its own (the key holds a per-build token), so two builds never
write one file.

Modules: :mod:`.content` (what is written; a source version's content), :mod:`.collection`
(a collection version's content), :mod:`.state` (rows, states, starting, deleting,
sweeping), :mod:`.build` (the job); this package's names are the public ones.
"""

from __future__ import annotations

from exporter.exports.build import CONTENTS, Built, Superseded, build, build_job, write
from exporter.exports.collection import COLLECTION, collection_content
from exporter.exports.content import (
    CHUNK,
    ENTRY,
    LEVEL,
    SOURCE,
    Content,
    Section,
    Written,
    export_json,
    file_name,
    last_updated_name,
    source_content,
    zipped,
)
from exporter.exports.state import (
    JOB_KIND,
    BuildUnderWay,
    E,
    Found,
    Key,
    Record,
    Started,
    State,
    delete,
    find,
    forget,
    open_ready,
    queue_for_new_version,
    read,
    request_build,
    sweep,
)

__all__ = [
    "CHUNK",
    "COLLECTION",
    "CONTENTS",
    "ENTRY",
    "JOB_KIND",
    "LEVEL",
    "SOURCE",
    "BuildUnderWay",
    "Built",
    "Content",
    "E",
    "Found",
    "Key",
    "Record",
    "Section",
    "Started",
    "State",
    "Superseded",
    "Written",
    "build",
    "build_job",
    "collection_content",
    "delete",
    "export_json",
    "file_name",
    "find",
    "forget",
    "last_updated_name",
    "open_ready",
    "queue_for_new_version",
    "read",
    "request_build",
    "source_content",
    "sweep",
    "write",
    "zipped",
]

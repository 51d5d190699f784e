"""Errors of the job layer. Like the store's, they carry no HTTP status; ``api/`` maps them.

::

    ExporterError
    └── QueueUnavailable        the job queue (Redis) cannot be reached: try again later

Errors about the request itself (an invalid import file, say) are the store's
``InvalidRequest`` family (``exporter.ocl.InvalidImport``).
"""

from __future__ import annotations


class ExporterError(Exception):
    """Base of every error the job layer raises on purpose."""


class QueueUnavailable(ExporterError):
    """A job could not be handed to its queue; nothing of it was kept."""

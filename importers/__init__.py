"""Importers: terminology release files -> :class:`importers.release.Release` values ->
one commit per release on a code system's branch (:mod:`importers.apply`).

A format (:mod:`importers.formats`) turns a source file into releases; :mod:`importers.apply`
compares each with the branch and writes the difference through the store's bulk path.
The ``snowpath import`` command (``api/cli.py``) and the native import job
(``exporter/handlers.py``) both go through the same registry (docs/imports.md).
"""

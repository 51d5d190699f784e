"""``POST /{path}/import``: upload a file in an import format (form field ``format``, default
``ocl``: an OCL export zip, its JSON or JSON lines; ``version`` and ``package`` as
``snowpath import``'s options); a job imports it through the import registry
(:mod:`importers.formats`).

The job is created before its upload is written (``exporter.jobs.starting``): a refused or
failed upload deletes both, and a file no unfinished job names is a leftover.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import IO

from flask import Response, request

from api import http
from api.auth import current_author, require_user
from api.errors import Invalid
from api.services import services, store, write_branch
from exporter import jobs, ocl
from importers import formats
from importers.rf2_files import PACKAGES
from revisions.branches import check_name


def upload(path: str) -> Response:
    require_user()
    branch = write_branch(path)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(["Send the file as multipart/form-data in the field 'file'."])
    name = request.form.get("format") or "ocl"
    formats.reader(name)  # an unknown format is refused before the upload is kept
    options = _options()
    head = upload.stream.read(8)
    if name == "ocl":
        ocl.sniff(head)
    folder = services().settings.upload_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.upload"
    comment = request.form.get("commitComment") or f"Import {upload.filename}"
    params = {
        "branch": branch,
        "file": str(target),
        "author": current_author(),
        "commitComment": comment,
        "format": name,
        "options": options,
    }
    limit = services().settings.max_upload_bytes  # api.http.guard applies it while reading
    with jobs.starting(store(), services().runner, "import", params) as job:
        _save(upload.stream, head, target, limit)
    return http.accepted("job_get", job_id=job.id)


def _options() -> dict[str, str]:
    """The reader's options the form gives, checked before the upload is kept: ``version``
    (a release's version name, as ``snowpath import --version``) and ``package`` (RF2's
    ``snapshot``, ``delta`` or ``full``, as ``--package``)."""
    options: dict[str, str] = {}
    version = request.form.get("version")
    if version:
        check_name(version)
        options["version"] = version
    package = request.form.get("package")
    if package:
        if package not in PACKAGES:
            raise Invalid([f"'package' must be one of {', '.join(PACKAGES)}, not '{package}'."])
        options["package"] = package
    return options


def _save(stream: IO[bytes], head: bytes, target: Path, limit: int) -> None:
    size = len(head)
    with target.open("wb") as out:
        out.write(head)
        while chunk := stream.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise Invalid([f"The upload is larger than {limit} bytes."])
            out.write(chunk)

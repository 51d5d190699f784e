"""``POST /{path}/import``: upload an OCL export zip or JSON lines; a job imports it."""

from __future__ import annotations

import uuid

from flask import Response, request

from api import http
from api.auth import current_author, require_write
from api.errors import Invalid
from api.services import services, store, write_branch
from exporter import jobs, ocl


def upload(path: str) -> Response:
    require_write()
    branch = write_branch(path)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(["Send the file as multipart/form-data in the field 'file'."])
    head = upload.stream.read(8)
    ocl.sniff(head)
    folder = services().settings.upload_dir
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.upload"
    partial = target.with_suffix(".part")
    size, limit = len(head), services().settings.max_upload_bytes  # api.http.guard applies it
    with partial.open("wb") as out:
        out.write(head)
        while chunk := upload.stream.read(1 << 20):
            size += len(chunk)
            if size > limit:
                out.close()
                partial.unlink()
                raise Invalid([f"The upload is larger than {limit} bytes."])
            out.write(chunk)
    partial.rename(target)
    comment = request.form.get("commitComment") or f"Import {upload.filename}"
    params = {
        "branch": branch,
        "file": str(target),
        "author": current_author(),
        "commitComment": comment,
    }
    job = jobs.create(store(), "import", params)
    services().runner.submit(job.id)
    return http.accepted("job_get", job_id=job.id)

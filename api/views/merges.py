"""``/merges`` (as jobs), ``/compare``, ``/commits`` and ``/jobs``."""

from __future__ import annotations

from flask import Response, request

from accounts.errors import NotFound
from api import http, render
from api.auth import check_branch, check_repository, current_author, require_user
from api.errors import Invalid
from api.paging import DEFAULT_LIMIT, MAX_LIMIT, decode_typed, encode_token, parse_int
from api.schemas import CompareIn, MergeIn
from api.services import branch_path, read_point, services, store
from api.shapes import snake
from exporter import jobs


def resolutions_json(resolutions: list[dict]) -> list[dict]:
    """Resolutions as job params, content in the store's field names."""
    return [
        {
            "componentType": r["component_type"],
            "componentId": r["component_id"],
            "resolution": r["resolution"],
            "content": None if r.get("content") is None else _store_names(r["content"]),
        }
        for r in resolutions
    ]


def _store_names(content: dict) -> dict:
    return {snake(name): value for name, value in content.items()}


def create_merge() -> Response:
    require_user()
    data = http.load(MergeIn())
    source, target = branch_path(data["source"]), branch_path(data["target"], "edit")
    store().check_merge(source, target)  # 400/404 now rather than a FAILED job later
    params = {
        "source": source,
        "target": target,
        "commitComment": data["commit_comment"] or f"Merge {source} into {target}",
        "author": current_author(),
        "resolutions": resolutions_json(data["resolutions"]),
    }
    job = jobs.start(store(), services().runner, "merge", params)
    return http.accepted("merge_get", merge_id=job.id)


def _visible(job: jobs.Job) -> jobs.Job:
    """``job``, if the caller may view what it writes (else: it does not exist, 404)."""
    try:
        if "codesystem" in job.params:
            check_repository(job.params["codesystem"], "view")
        for key in ("target", "branch"):
            if key in job.params:
                check_branch(job.params[key], "view")
    except NotFound:
        raise jobs.JobNotFound(f"Job '{job.id}' does not exist.") from None
    return job


def get_merge(merge_id: str) -> Response:
    job = _visible(jobs.get(store(), merge_id, runner=services().runner))
    if job.kind != "merge":
        raise jobs.JobNotFound(f"Merge '{merge_id}' does not exist.")
    return http.json(render.MERGE.render(job))


def get_job(job_id: str) -> Response:
    job = _visible(jobs.get(store(), job_id, runner=services().runner))
    return http.json(render.JOB.render(job))


def compare() -> Response:
    data = http.load(CompareIn())
    result = store().compare(read_point(data["base"]), read_point(data["compare"]))
    return http.json(render.COMPARISON.render({**data, "result": result}))


def commits() -> Response:
    extra = sorted(set(request.args) - {"branch", "limit", "searchAfter"})
    if extra:
        raise Invalid([f"Unknown parameter '{name}'." for name in extra])
    branch = request.args.get("branch")
    if not branch:
        raise Invalid(["'branch' is required."])
    limit = parse_int(request.args.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT)
    key = decode_typed(request.args.get("searchAfter"), int)
    before = None if key is None else key[0]
    path = branch_path(branch)
    found = store().commits(path, before=before, limit=limit + 1)
    page = found[:limit]
    token = encode_token([page[-1].timestamp]) if len(found) > limit and page else None
    items = [render.COMMIT.render(c) for c in page]
    return http.envelope(
        items,
        store().count_commits(path),
        limit,
        search_after=token,
        columns=render.COMMIT.columns,
    )

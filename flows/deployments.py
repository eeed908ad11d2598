"""The deployments of prefect.yaml, served from one process (``newsflow serve``).

prefect.yaml is the one place schedules and parameters are declared: a work
pool and worker run them after ``prefect deploy``; ``newsflow serve`` runs the
same declarations with ``prefect.serve`` for a team without a work pool.
"""
from __future__ import annotations

from pathlib import Path

import yaml

ENTRYPOINTS = {
    "flows.pipeline:newsflow_flow": "newsflow_flow",
    "flows.pipeline:reprocess_flow": "reprocess_flow",
}


def load_deployments(path: Path, only: list[str] | None = None) -> list[dict]:
    """The deployments declared in ``path``: name, flow, parameters, cron schedule."""
    if not path.exists():
        raise ValueError(f"{path} not found: run from the newsflow folder or pass --file")
    spec = yaml.safe_load(path.read_text()) or {}
    out = []
    for d in spec.get("deployments") or []:
        if only and d["name"] not in only:
            continue
        if d.get("entrypoint") not in ENTRYPOINTS:
            raise ValueError(f"deployment {d.get('name')}: unknown entrypoint {d.get('entrypoint')}")
        schedules = d.get("schedules") or []
        out.append({
            "name": d["name"],
            "work_pool": (d.get("work_pool") or {}).get("name"),
            "concurrency_limit": d.get("concurrency_limit"),
            "flow": ENTRYPOINTS[d["entrypoint"]],
            "flow_name": {"newsflow_flow": "newsflow", "reprocess_flow": "newsflow-reprocess"}[ENTRYPOINTS[d["entrypoint"]]],
            "parameters": d.get("parameters") or {},
            "schedule": schedules[0].get("cron") if schedules else None,
            "timezone": schedules[0].get("timezone", "UTC") if schedules else "UTC",
            "description": d.get("description"),
        })
    if only and len(out) != len(only):
        raise ValueError(f"no deployment named {', '.join(sorted(set(only) - {d['name'] for d in out}))} in {path}")
    return out


def serve_deployments(deployments: list[dict]) -> None:
    """Serve the deployments until interrupted; one run at a time per deployment."""
    from prefect import serve

    from . import pipeline

    to_serve = []
    for d in deployments:
        flow = getattr(pipeline, d["flow"])
        kwargs = {"name": d["name"], "parameters": d["parameters"], "description": d["description"]}
        if d["schedule"]:
            from prefect.schedules import Cron

            kwargs["schedules"] = [Cron(d["schedule"], timezone=d["timezone"])]
        to_serve.append(flow.to_deployment(**kwargs))
    serve(*to_serve, limit=1)


def apply_deployments(deployments: list[dict], work_pool: str | None = None) -> list[str]:
    """Register the deployments with the Prefect server for a work pool's workers.

    The same as ``prefect deploy --all`` for this project (whose CLI in Prefect
    3.8.8 stops after the first deployment on a 422 from the workers endpoint).
    Workers must run in this folder: the entrypoint is flows/pipeline.py."""
    from prefect.deployments.runner import EntrypointType, RunnerDeployment
    from prefect.runner.storage import LocalStorage

    from . import pipeline

    ids = []
    for d in deployments:
        kwargs = {
            "name": d["name"], "parameters": d["parameters"], "description": d["description"],
            "work_pool_name": work_pool or d["work_pool"], "concurrency_limit": d["concurrency_limit"],
        }
        if d["schedule"]:
            from prefect.schedules import Cron

            kwargs["schedules"] = [Cron(d["schedule"], timezone=d["timezone"])]
        deployment = RunnerDeployment.from_flow(
            getattr(pipeline, d["flow"]), entrypoint_type=EntrypointType.MODULE_PATH, **kwargs
        )
        # Runs start in this folder (a set_working_directory pull step), so relative
        # paths in the parameters (data/news.duckdb, inbox/) mean what they say.
        deployment.storage = LocalStorage(str(Path.cwd()))
        ids.append(str(deployment.apply()))
    return ids

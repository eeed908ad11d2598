"""The deployments of prefect.yaml, served from one process (``newsflow serve``).

prefect.yaml is the one place schedules and parameters are declared: a work
pool and worker run them after ``prefect deploy``; ``newsflow serve`` runs the
same declarations with ``prefect.serve`` for a team without a work pool.
"""
from __future__ import annotations

from pathlib import Path

import yaml

ENTRYPOINTS = {
    "flows/pipeline.py:newsflow_flow": "newsflow_flow",
    "flows/pipeline.py:reprocess_flow": "reprocess_flow",
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
            "flow": ENTRYPOINTS[d["entrypoint"]],
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

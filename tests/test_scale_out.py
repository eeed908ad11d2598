"""Scale-out: cleaning and signatures on a Dask cluster (prefect-dask), same results as in one process."""
from __future__ import annotations

import duckdb
import pytest

from flows.pipeline import flow_for, newsflow_flow
from flows.settings import Settings

pytestmark = pytest.mark.slow


def state(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return (
            con.execute("SELECT article_id, title, published_date, author, language, text FROM articles ORDER BY ALL").fetchall(),
            con.execute("SELECT article_id, canonical_id, kind, round(similarity, 6) FROM duplicates ORDER BY ALL").fetchall(),
        )
    finally:
        con.close()


def test_pipeline_on_a_local_dask_cluster(prefect_api, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as cluster:
        monkeypatch.setenv("NEWSFLOW_DASK_ADDRESS", cluster.scheduler_address)
        settings = Settings.from_env(db_path=str(tmp_path / "dask.duckdb"))
        assert settings.dask_address == cluster.scheduler_address
        result = flow_for(settings)(db_path=settings.db_path)
    monkeypatch.delenv("NEWSFLOW_DASK_ADDRESS")
    import httpx

    tasks = httpx.post(f"{prefect_api}/task_runs/filter",
                       json={"flow_runs": {"id": {"any_": [result["run_id"]]}}}).json()
    names = {t["name"].rsplit("-", 1)[0] for t in tasks}
    assert {"clean-chunk", "signatures"} <= names
    assert result["status"] == "completed"
    assert result["timings"].get("signatures", 0) > 0
    local = newsflow_flow(db_path=str(tmp_path / "local.duckdb"))
    assert local["counts"]["articles"] == result["counts"]["articles"] == 5
    assert state(tmp_path / "dask.duckdb") == state(tmp_path / "local.duckdb")

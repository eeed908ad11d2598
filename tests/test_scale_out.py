"""Scale-out: cleaning and signatures on a Dask cluster (prefect-dask), same results as in one process."""
from __future__ import annotations

from pathlib import Path

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


ARTICLE = "<html><body><article>" + "".join(
    f"<p>Paragraph {i} of a perfectly ordinary news article about the {{place}} council and its budget plans.</p>"
    for i in range(12)) + "</article></body></html>"
SLOW = "<!--newsflow-test:sleep=600-->"  # slow on purpose (flows.clean._test_hook)


def test_dask_workers_keep_the_per_document_time_limit(prefect_api, tmp_path, monkeypatch):
    """Cleaning on Dask runs in a child process of each worker, so a document over
    extract_timeout_s is quarantined ("timeout") and the rest go on, as locally. That needs
    workers that may have children: distributed.worker.daemon False."""
    distributed = pytest.importorskip("distributed")
    import dask

    monkeypatch.setenv("NEWSFLOW_TEST_HOOKS", "1")        # inherited by the workers and their children
    monkeypatch.setenv("NEWSFLOW_EXTRACT_TIMEOUT_S", "10")  # generous for an ordinary page on a busy machine
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, prefix in [("ok1", ""), ("slow", SLOW), ("ok2", ""), ("ok3", "")]:
        (inbox / f"{name}.html").write_text(prefix + ARTICLE.format(place=name), encoding="utf-8")
    with dask.config.set({"distributed.worker.daemon": False}), distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50) as cluster:
        monkeypatch.setenv("NEWSFLOW_DASK_ADDRESS", cluster.scheduler_address)
        settings = Settings.from_env(db_path=str(tmp_path / "dask.duckdb"))
        result = flow_for(settings)(sources=[str(inbox)], db_path=settings.db_path)
    assert result["status"] == "completed"
    con = duckdb.connect(settings.db_path, read_only=True)
    try:
        quarantined = con.execute("SELECT source, reason, detail FROM quarantine").fetchall()
        articles = con.execute("SELECT source FROM articles ORDER BY source").fetchall()
    finally:
        con.close()
    assert quarantined == [(str(inbox / "slow.html"), "timeout", "timeout: cleaning took longer than 10 s")]
    assert [Path(s).name for (s,) in articles] == ["ok1.html", "ok2.html", "ok3.html"]


def test_daemonic_dask_workers_stop_the_run_saying_what_to_set():
    """Dask's default workers are daemonic: Python gives them no child processes, so no time
    limit. Cleaning HTML there fails with the setting to change, instead of running unbounded."""
    distributed = pytest.importorskip("distributed")
    from flows.clean import DaemonicDaskWorker, clean_on_dask_worker
    from flows.records import RawDocument

    doc = RawDocument(source="/data/a.html", kind="html", content=ARTICLE.format(place="city").encode())
    text = RawDocument(source="/data/a.txt", kind="text", content=b"A short text dump of a news article.\n" * 20)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        with pytest.raises(DaemonicDaskWorker, match="DASK_DISTRIBUTED__WORKER__DAEMON=False"):
            client.submit(clean_on_dask_worker, [doc], Settings()).result()
        # small text dumps need no child process (bounded, linear-time cleaning), as locally
        assert len(client.submit(clean_on_dask_worker, [text], Settings()).result()) == 1

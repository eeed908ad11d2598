"""Run-level invariants (sql/checks/*.sql) on a DuckDB file built with the migrations."""
from __future__ import annotations

from flows.quality import check_run
from flows.quality.runlevel import CHECKS_DIR, load_checks

from .conftest import add_run


def results(con, run_id):
    return {r.check_name: r for r in check_run(con, run_id, None)}


def test_check_files_declare_name_and_severity():
    checks = {c.name: c for c in load_checks()}
    assert set(checks) == {"raw_accounted", "raw_not_both", "volume_change", "duplicate_rate"}
    assert checks["raw_accounted"].severity == checks["raw_not_both"].severity == "error"
    assert checks["volume_change"].severity == checks["duplicate_rate"].severity == "warning"
    for path in CHECKS_DIR.glob("*.sql"):  # values go in as parameters, never formatted in
        assert "{" not in path.read_text()


def test_reconciled_run_passes(con):
    add_run(con, "run1", 5, n_quarantined=2)
    res = results(con, "run1")
    assert all(r.success and r.stage == "run" for r in res.values())
    assert res["raw_accounted"].observed == "no offending rows"


def test_raw_row_neither_stored_nor_quarantined_fails(con):
    add_run(con, "run1", 3)
    con.execute(
        "INSERT INTO raw_articles (raw_id, source, kind, content_hash, size_bytes, run_id, ingested_at, code_version)"
        " VALUES ('lost', '/data/lost.txt', 'text', 'h', 1, 'run1', now(), 'test')"
    )
    res = results(con, "run1")
    lost = res["raw_accounted"]
    assert not lost.success and lost.severity == "error" and lost.unexpected_count == 1
    assert lost.observed == "raw_id=lost, source=/data/lost.txt, run_id=run1"


def test_raw_row_in_both_fails(con):
    add_run(con, "run1", 3)
    con.execute(
        "INSERT INTO quarantine (raw_id, source, stage, reason, run_id, quarantined_at, code_version)"
        " VALUES ('run1-raw0', '/data/run1-raw0.txt', 'clean', 'no_link_lists', 'run1', now(), 'test')"
    )
    both = results(con, "run1")["raw_not_both"]
    assert not both.success and both.unexpected_count == 1
    assert "raw_id=run1-raw0" in both.observed and "reason=no_link_lists" in both.observed


def test_volume_change_warns_on_a_sharp_change(con):
    add_run(con, "run1", 10)
    add_run(con, "run2", 12)
    add_run(con, "run3", 40)  # more than 3x the mean of 11
    res = results(con, "run3")
    vol = res["volume_change"]
    assert not vol.success and vol.severity == "warning"
    assert "n_articles=40" in vol.observed and "earlier_mean=11.0" in vol.observed
    assert results(con, "run2")["volume_change"].success  # 12 vs 10: only earlier runs count


def test_volume_change_ignores_first_and_empty_runs(con):
    add_run(con, "run1", 10)
    assert results(con, "run1")["volume_change"].success  # nothing earlier
    con.execute("INSERT INTO runs (run_id, started_at, status) VALUES ('rerun', now(), 'running')")
    assert results(con, "rerun")["volume_change"].success  # read nothing new


def test_duplicate_rate_warns_on_a_jump(con):
    earlier = add_run(con, "run1", 40)
    add_run(con, "run2", 0)
    ids = add_run(con, "run2b", 30)
    for i in range(1, 21):  # 20 of 30 duplicates against 0 of 40 before
        con.execute("INSERT INTO duplicates (article_id, canonical_id, kind, similarity) VALUES (?, ?, 'near', 0.9)",
                    [ids[i], earlier[0]])
    rate = results(con, "run2b")["duplicate_rate"]
    assert not rate.success and rate.severity == "warning"
    assert "rate=0.667" in rate.observed and "earlier_rate=0.0" in rate.observed
    assert results(con, "run1")["duplicate_rate"].success  # later runs are not compared


def test_volume_change_warns_on_a_sharp_drop(con):
    add_run(con, "run1", 30)
    add_run(con, "run2", 30)
    add_run(con, "run3", 5, n_quarantined=25)  # a source broke: most documents rejected
    vol = results(con, "run3")["volume_change"]
    assert not vol.success
    assert vol.observed == "n_articles=5, earlier_mean=30.0, earlier_runs=2, ratio=0.17"

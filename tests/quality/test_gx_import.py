"""GX imported with scipy.stats and altair deferred (flows/quality/gx_import.py): our checks
do not load them, and a GX feature that needs them still works (it loads them then)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests_support import ROOT

SCRIPT = textwrap.dedent("""
    import sys
    import pandas as pd
    from flows.quality.gx_import import Deferred, import_gx
    from flows.quality import build_data_docs, check_raw
    from flows.records import RawDocument
    from flows.settings import Settings

    gx = import_gx()
    assert isinstance(sys.modules["scipy.stats"], Deferred), type(sys.modules["scipy.stats"])
    assert isinstance(sys.modules["altair"], Deferred)

    # our own checks and Data Docs, as a run makes them, leave both unloaded
    doc = RawDocument(source="/x/a.txt", kind="text", content=b"Some words here." * 20)
    settings = Settings(db_path=sys.argv[1] + "/n.duckdb", quality_dir=sys.argv[1] + "/quality")
    outcome = check_raw([doc], settings, 0)
    assert outcome.rejected == {}, outcome.rejected
    assert build_data_docs(settings) is not None
    assert isinstance(sys.modules["scipy.stats"], Deferred)

    # a GX expectation computed with scipy.stats still works: scipy is imported on use
    from scipy import stats
    import great_expectations.expectations as gxe
    context = gx.get_context(mode="ephemeral")
    batch = context.data_sources.add_pandas("p").add_dataframe_asset("a") \\
        .add_batch_definition_whole_dataframe("b") \\
        .get_batch(batch_parameters={"dataframe": pd.DataFrame({"x": [1, 2, 2, 3, 3, 3]})})
    result = batch.validate(gxe.ExpectColumnKLDivergenceToBeLessThan(
        column="x", partition_object={"values": [1, 2, 3], "weights": [1 / 6, 2 / 6, 3 / 6]}, threshold=0.1))
    assert result.success, result
    assert not isinstance(sys.modules["scipy.stats"], Deferred)
    assert abs(stats.entropy([0.5, 0.5], [0.25, 0.75]) - 0.143841) < 1e-6
    import altair
    assert hasattr(altair, "Chart")
    print("ok")
""")


@pytest.mark.slow  # a fresh interpreter importing GX: a few seconds
def test_scipy_and_altair_load_only_when_a_gx_feature_uses_them(tmp_path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok")


def test_defer_leaves_imported_and_missing_modules_alone():
    from flows.quality.gx_import import defer

    assert defer("json") is False  # imported already
    assert defer("no_such_module_anywhere_xyz") is False
    assert defer("no_such_module_anywhere_xyz.stats") is False
    assert "no_such_module_anywhere_xyz" not in sys.modules

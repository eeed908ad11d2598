"""GX imported with scipy.stats and altair deferred and SQLAlchemy hidden (flows/quality/gx_import.py):
our checks do not load them, and a GX feature that needs scipy or altair still works (it loads
them then); SQLAlchemy stays importable for everything else."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests_support import ROOT

SCRIPT = textwrap.dedent("""
    import sys
    import pandas as pd
    from flows.deferred import Deferred
    from flows.quality.gx_import import import_gx
    from flows.quality import build_data_docs, check_clean, check_raw
    from flows.records import RawDocument
    from flows.settings import Settings

    gx = import_gx()
    assert "sqlalchemy" not in sys.modules
    assert isinstance(sys.modules["scipy.stats"], Deferred), type(sys.modules["scipy.stats"])
    assert isinstance(sys.modules["altair"], Deferred)

    # our own checks and Data Docs, as a run makes them, leave both unloaded
    doc = RawDocument(source="/x/a.txt", kind="text", content=b"Some words here." * 20)
    settings = Settings(db_path=sys.argv[1] + "/n.duckdb", quality_dir=sys.argv[1] + "/quality")
    outcome = check_raw([doc], settings, 0)
    assert outcome.rejected == {}, outcome.rejected
    from flows.clean import clean_in_process
    articles = clean_in_process([RawDocument(source="/x/b.txt", kind="text",
                                             content=("Title line\\n\\n" + "A sentence of words here. " * 40).encode())],
                                settings)
    clean_outcome = check_clean(articles, settings, 0)
    assert clean_outcome.results, clean_outcome
    assert build_data_docs(settings) is not None
    assert isinstance(sys.modules["scipy.stats"], Deferred)
    assert not any(m == "sqlalchemy" or m.startswith("sqlalchemy.") for m in sys.modules)
    import sqlalchemy  # hidden from GX's import only
    assert sqlalchemy.__version__

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
def test_scipy_and_altair_load_only_when_a_gx_feature_uses_them_and_sqlalchemy_not_at_all(tmp_path):
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("ok")


def test_expectations_read_their_configuration_once_with_the_same_answers(tmp_path):
    """read_configuration_once: for every expectation of our suites (and the expectations GX
    builds from their configurations while validating), the four replaced methods give what
    GX's own give, for the runtime configurations a validation passes."""
    import copy

    from flows.quality.gx_import import CHECKED_GX, REPLACED
    from flows.quality.runner import _suite_and_batch_definition, gx_context
    from flows.quality.suites import ALL_SUITES
    from flows.settings import Settings

    gx_context()
    import great_expectations

    if not great_expectations.__version__.startswith(CHECKED_GX):
        assert REPLACED == {}
        pytest.skip(f"GX {great_expectations.__version__}: left as it is")
    assert {"_get_domain_kwargs", "_get_success_kwargs", "_get_success_kwarg", "_get_runtime_kwargs"} <= set(REPLACED)
    settings = Settings(db_path=str(tmp_path / "n.duckdb"))
    runtimes = [None, {}, {"result_format": {"result_format": "COMPLETE", "return_unexpected_index_query": False}},
                {"result_format": "SUMMARY", "catch_exceptions": False}]
    checked = 0
    for suite in ALL_SUITES:
        gx_suite, _ = _suite_and_batch_definition(suite, settings)
        for expectation in gx_suite.expectations:
            for e in (expectation, expectation.configuration.to_domain_obj()):
                assert e._get_domain_kwargs() == REPLACED["_get_domain_kwargs"](e)
                assert e._get_success_kwargs() == REPLACED["_get_success_kwargs"](e)
                for key in (*e.success_keys, *e.runtime_keys, *e.domain_keys, "no_such_key"):
                    assert e._get_success_kwarg(key) == REPLACED["_get_success_kwarg"](e, key)
                    assert e._get_success_kwarg(key, 7) == REPLACED["_get_success_kwarg"](e, key, 7)
                for runtime in runtimes:
                    ours = e._get_runtime_kwargs(copy.deepcopy(runtime))
                    assert ours == REPLACED["_get_runtime_kwargs"](e, copy.deepcopy(runtime))
                checked += 1
    assert checked >= 2 * sum(len(s.checks) for s in ALL_SUITES)


def test_none_first_converts_as_gx_does():
    """convert_none_first: GX's JSON conversion gives the same values, None included at any depth."""
    import datetime
    import hashlib
    import json

    import numpy as np

    from flows.quality.gx_import import CHECKED_GX, REPLACED
    from flows.quality.runner import gx_context

    gx_context()
    import great_expectations
    from great_expectations import util
    from great_expectations.core.id_dict import IDDict

    if not great_expectations.__version__.startswith(CHECKED_GX):
        pytest.skip(f"GX {great_expectations.__version__}: left as it is")
    original = REPLACED["convert_to_json_serializable"]
    values = [None, "x", 3, 2.5, float("nan"), True, np.int64(4), np.float32(1.25), np.bool_(False),
              {"column": "text", "mostly": None, "batch_id": None, "nested": {"a": None, 1: [None, "b"]}},
              [None, (None, 2), {None}], datetime.date(2026, 12, 1), np.array([1.0, None], dtype=object)]
    for value in values:
        assert util.convert_to_json_serializable(value) == original(value)
    kwargs = {"column": "text", "row_condition": None, "condition_parser": None, "batch_id": "b"}
    expected = hashlib.md5(json.dumps(original(dict(kwargs)), sort_keys=True).encode()).hexdigest()
    assert IDDict(kwargs).to_id() == expected  # the metric ids GX caches metrics by


def test_a_package_imported_already_is_not_hidden_from_gx():
    """The finder hides only what is not imported yet, and only from the thread importing GX:
    GX never gets half of a package this process already holds."""
    import threading

    from flows.quality.gx_import import _HiddenFromGX

    finder = _HiddenFromGX(("no_such_package_xyz",))
    with pytest.raises(ModuleNotFoundError):
        finder.find_spec("no_such_package_xyz.sub")
    assert finder.find_spec("json") is None
    seen = []
    other = threading.Thread(target=lambda: seen.append(finder.find_spec("no_such_package_xyz")))
    other.start()
    other.join()
    assert seen == [None]  # another thread: left to the usual finders
    assert _HiddenFromGX(()).find_spec("sqlalchemy") is None

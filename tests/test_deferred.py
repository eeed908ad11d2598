"""Deferred modules (flows/deferred.py): a module its package imports is entered unloaded, runs on
its first attribute read, once, and works as imported; the newsflow command's process defers
Prefect's notification blocks, which a flow run never loads."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests_support import ROOT

PACKAGE_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    from flows.deferred import Deferred, defer

    assert defer("deferpkg.heavy", import_parent=False)
    assert "deferpkg" not in sys.modules  # found without importing its package
    import deferpkg  # whose __init__ imports deferpkg.heavy, as prefect.blocks does
    assert isinstance(sys.modules["deferpkg.heavy"], Deferred)
    assert deferpkg.RUNS == [], deferpkg.RUNS  # not executed yet
    assert deferpkg.heavy.VALUE == 42  # the first read runs it
    from deferpkg.heavy import VALUE, twice
    import deferpkg.heavy as again
    assert VALUE == 42 and twice(2) == 4 and again.VALUE == 42
    assert deferpkg.RUNS == ["heavy"], deferpkg.RUNS  # once
    assert not isinstance(sys.modules["deferpkg.heavy"], Deferred)
    assert defer("deferpkg.heavy", import_parent=False) is False  # imported already
    assert defer("deferpkg.missing", import_parent=False) is False
    print("ok")
""")

PREFECT_SCRIPT = textwrap.dedent("""
    import sys
    from flows.deferred import PREFECT_UNUSED, Deferred, defer_unused_prefect

    assert defer_unused_prefect() == list(PREFECT_UNUSED)
    import prefect.context, prefect.flow_engine  # what a run imports
    assert all(isinstance(sys.modules[name], Deferred) for name in PREFECT_UNUSED)
    assert "SlackWebhook" not in vars(sys.modules["prefect.blocks.notifications"])
    from prefect.blocks.notifications import SlackWebhook  # a user of the blocks still gets them
    from prefect.blocks.webhook import Webhook
    from prefect.blocks.core import Block
    assert Block.get_block_class_from_key("slack-webhook") is SlackWebhook
    assert Block.get_block_class_from_key("webhook") is Webhook
    print("ok")
""")


def test_a_deferred_module_runs_on_its_first_attribute_read_once(tmp_path):
    package = tmp_path / "deferpkg"
    package.mkdir()
    (package / "__init__.py").write_text("RUNS = []\nimport deferpkg.heavy as heavy\n")
    (package / "heavy.py").write_text("import deferpkg\ndeferpkg.RUNS.append('heavy')\nVALUE = 42\n\n"
                                      "def twice(x):\n    return 2 * x\n")
    proc = subprocess.run([sys.executable, "-c", PACKAGE_SCRIPT, str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "ok"


def test_the_command_defers_prefects_notification_blocks_until_used():
    proc = subprocess.run([sys.executable, "-c", PREFECT_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "ok"


API_SCRIPT = textwrap.dedent("""
    import sys
    import flows.prefect_api  # the temporary API's own module, then the app it serves
    import prefect.server.api.server
    from prefect.blocks.core import Block
    from flows.deferred import Deferred
    assert not any(isinstance(m, Deferred) for m in list(sys.modules.values()))
    assert Block.get_block_class_from_key("slack-webhook").__name__ == "SlackWebhook"
    print("ok")
""")


@pytest.mark.slow  # imports Prefect's server: a few seconds
def test_the_temporary_api_defers_nothing():
    """The server's automations find notification blocks by type name among the classes imported
    so far: its process must import them as Prefect does."""
    proc = subprocess.run([sys.executable, "-c", API_SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "ok"


def test_defer_leaves_imported_and_missing_modules_alone():
    from flows.deferred import defer

    assert defer("json") is False  # imported already
    assert defer("no_such_module_anywhere_xyz") is False
    assert defer("no_such_module_anywhere_xyz.stats") is False
    assert defer("no_such_module_anywhere_xyz.stats", import_parent=False) is False
    assert defer("json.no_such_submodule_xyz", import_parent=False) is False
    assert "no_such_module_anywhere_xyz" not in sys.modules

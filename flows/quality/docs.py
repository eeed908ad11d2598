"""Great Expectations Data Docs for a run: the suites and their results.

Built once, at the end of a run, into ``settings.quality_path`` (index.html
inside) from the process's in-memory GX stores: the site shows the suites
and the validation results of the batches checked since the last build.

GX's index page fills its tables with JavaScript loaded from CDNs, so with
no network (CI, an air-gapped server) it shows empty tables. A plain list of
links to the suite and validation pages (which are static HTML) is added to
the index so it stays usable offline.
"""
from __future__ import annotations

import html
import logging
import shutil
from pathlib import Path

from flows.quality import runner
from flows.quality.suites import ALL_SUITES
from flows.settings import Settings

log = logging.getLogger(__name__)

SITE = "newsflow"


def build_data_docs(settings: Settings) -> Path | None:
    """Write the Data Docs site; its index.html path, or None if building failed.

    A failure here never fails the run: the checks' results are in dq_results.
    """
    target = Path(settings.quality_path).resolve()
    try:
        with runner._lock:
            context = runner.gx_context()
            for suite in ALL_SUITES:  # suites not run this time still show what is checked
                runner._suite_and_batch_definition(suite, settings)
            # Only our site: the ephemeral context's default one points at a temp dir.
            context.variables.data_docs_sites = {
                SITE: {
                    "class_name": "SiteBuilder",
                    "show_how_to_buttons": False,
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(target)},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                }
            }
            target.mkdir(parents=True, exist_ok=True)
            # Pages of earlier runs would pile up unlinked (the index lists this
            # run's results only; dq_results keeps the history): start clean.
            shutil.rmtree(target / "validations", ignore_errors=True)
            keys = runner.store_kept_results()
            try:
                context.build_data_docs(site_names=[SITE])
            finally:
                store = context.validation_results_store
                for key in keys:  # the next run's docs show the next run
                    store.remove_key(key)
    except Exception:  # noqa: BLE001 - docs are a view; never lose a run over them
        log.warning("building Data Docs in %s failed", target, exc_info=True)
        return None
    index = target / "index.html"
    if not index.exists():
        return None
    try:
        _add_static_links(index, current=keys)
    except OSError:
        log.warning("could not add the offline links to %s", index, exc_info=True)
    return index


MARK = "<!-- newsflow: offline links -->"


def _add_static_links(index: Path, current: list) -> None:
    """Put a no-JavaScript list of the suites and this run's results in index.html."""
    root = index.parent
    suites = sorted(root.glob("expectations/**/*.html"))
    wanted = {_validation_dir(k) for k in current}
    results = sorted(p for p in root.glob("validations/**/*.html") if p.parent.relative_to(root) in wanted)
    items = ["<h2>Expectation suites</h2><ul>"]
    items += [f'<li><a href="{_href(p, root)}">{html.escape(p.stem)}</a></li>' for p in suites]
    items.append("</ul><h2>Validation results of this run</h2><ul>")
    for p in results:
        suite, run_name = p.relative_to(root).parts[1:3]
        label = f"{suite} - {run_name}"
        items.append(f'<li><a href="{_href(p, root)}">{html.escape(label)}</a></li>')
    items.append("</ul>")
    block = f'{MARK}<section id="newsflow-offline-index" style="margin:1em">' + "".join(items) + "</section>"
    text = index.read_text(encoding="utf-8")
    if MARK in text:
        text = text[: text.index(MARK)] + text[text.index("</section>", text.index(MARK)) + len("</section>"):]
    at = text.rfind("</body>")
    text = text + block if at < 0 else text[:at] + block + text[at:]
    index.write_text(text, encoding="utf-8")


def _validation_dir(key) -> Path:
    """validations/<suite>/<run name>/<run time>: where GX writes a result's page."""
    run_id = key.run_id
    return Path("validations", key.expectation_suite_identifier.name, run_id.run_name,
                run_id.run_time.strftime("%Y%m%dT%H%M%S.%fZ"))


def _href(path: Path, root: Path) -> str:
    from urllib.parse import quote

    return quote(path.relative_to(root).as_posix())

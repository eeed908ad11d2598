"""Conditional GET: ETag and Last-Modified kept per URL, sent back on the next poll.

Feeds are polled every run and pages again with ``--refetch``; most of them
have not changed. The validators a server sent with a 200 are stored in the
``fetch_state`` table (migration 006) and sent as ``If-None-Match`` /
``If-Modified-Since``; a ``304 Not Modified`` costs no download and makes no
row (counted as ``fetch_not_modified``).

The run loads the table before fetching (``load_validators``) and writes what it saw
after its batches committed (``save``): validators of a document that was
never stored (a crashed run) must not be sent, or its next fetch would get a
304 and the document would be lost.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pyarrow as pa

from flows.sources.common import without_password

STATE_SCHEMA = pa.schema([
    ("url", pa.string()), ("etag", pa.string()), ("last_modified", pa.string()),
    ("last_status", pa.int32()), ("checked_at", pa.timestamp("us", tz="UTC")),
])


class FetchState:
    """Validators known before this run, and the polls of this run."""

    def __init__(self, known: dict[str, tuple[str | None, str | None]] | None = None) -> None:
        self.known = dict(known or {})
        self.polled: dict[str, tuple[str | None, str | None, int, datetime]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.polled)

    def request_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for a URL fetched before, else nothing."""
        etag, last_modified = self.known.get(without_password(url), (None, None))
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    def record(self, url: str, status: int, headers) -> None:
        """Remember the validators of a 200 (or the confirmation of a 304) for ``save``."""
        etag, last_modified = headers.get("etag"), headers.get("last-modified")
        if status == 200 and not etag and not last_modified:
            return  # nothing to send next time
        with self._lock:
            self.polled[without_password(url)] = (etag, last_modified, status, datetime.now(timezone.utc))

    def table(self) -> pa.Table:
        rows = [
            {"url": url, "etag": etag, "last_modified": lm, "last_status": status, "checked_at": at}
            for url, (etag, lm, status, at) in self.polled.items()
        ]
        return pa.Table.from_pylist(rows, schema=STATE_SCHEMA)


def load_validators(settings) -> dict[str, tuple[str | None, str | None]]:
    """url -> (etag, last_modified) stored by earlier runs; nothing before the first run."""
    from pathlib import Path

    from flows.storage import connect, query

    if not Path(settings.db_path).exists():
        return {}
    con = connect(settings, read_only=True)
    try:
        return {url: (etag, last_modified) for url, etag, last_modified in query(con, "queries/fetch/state_load")}
    finally:
        con.close()


def save(con, state: FetchState, run_id: str) -> None:
    """Upsert this run's polls; the caller holds the transaction."""
    from flows.storage import insert_arrow

    if state.polled:
        insert_arrow(con, "queries/fetch/state_upsert", state.table(), {"run_id": run_id})

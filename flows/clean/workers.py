"""A pool of worker processes with a per-document time limit.

trafilatura's Python API has no timeout and is CPU-bound (threads are slower
than one process), so documents are cleaned in separate processes. Each
worker receives chunks of documents (two in flight, so the next is at hand)
and sends back one result per document as it goes; the parent knows which
document each worker is on and since when. A worker that exceeds the limit is
killed and replaced: that document becomes a ``Rejection`` ("timeout") and the
rest of its chunks are re-queued.
A worker that dies on a document (a crash in a C library, the OOM killer)
gets that document tried once more in its replacement (a worker killed from
outside says nothing about its document); dying again on it costs the
document a ``Rejection`` ("cleaner_crashed") however often it happens; only
replacements that die before they are ready (a broken install) stop the pool.
One pathological page costs one quarantine row, never the run.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import threading
import time
from collections import deque
from multiprocessing.connection import wait
from typing import Callable, Sequence

from ..procstat import cpu_seconds

# Never fork a process that runs Prefect's threads: workers are forked by a forkserver (a fresh
# interpreter, no threads) that imported the extractors once, so N workers cost one import, not N,
# and share its pages. Where there is no forkserver (not POSIX), each worker is spawned afresh.
_CTX = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")


def _worker_main(conn, func: Callable, initializer: Callable | None, environ: dict[str, str] | None = None) -> None:
    # Ignore Ctrl-C in workers: the parent decides when they stop.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if environ is not None and environ != os.environ:  # the parent's environment now, not the forkserver's at its start
        os.environ.clear()
        os.environ.update(environ)
    if initializer is not None:
        initializer()  # imports and models, before any document's clock starts
    conn.send(("ready", None))
    # A thread takes the chunks in as they come, so the parent can send the next chunk while this
    # one is cleaned (it never blocks on a full pipe while this thread blocks sending a result)
    inbox: queue.SimpleQueue = queue.SimpleQueue()

    def receive() -> None:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                msg = None
            inbox.put(msg)
            if msg is None:
                return

    threading.Thread(target=receive, name="chunks-in", daemon=True).start()
    while True:
        items = inbox.get()
        if items is None:
            return
        for index, item in items:
            try:
                result = ("ok", func(item))
            except BaseException as exc:  # report, never die on one document
                result = ("error", f"{type(exc).__name__}: {exc}")
            try:
                conn.send((index, result))
            except OSError:  # the parent is gone (killed) or let go of this worker: end quietly, not
                return  # with a BrokenPipeError traceback per worker on the terminal


# Chunks sent to a worker and not answered yet: two, so the next is there when one ends.
CHUNKS_IN_FLIGHT = 2
_QUIT = object()  # ends a worker's sending thread without a word to the worker


_pools_lock = threading.Lock()
_open_pools = 0  # pools whose workers were started and that are not closed: the forkserver serves them


def stop_forkserver() -> bool:
    """Stop this process's forkserver, which holds what it preloaded (trafilatura, lxml, the
    language model: about 120 MB once its workers are gone), so a run's checks and search index
    and a long-lived process's time between runs do not carry it. The next pool starts it again
    (0.5-0.8 CPU-s). Uses the stdlib's own stop (``ForkServer._stop``); where that is missing
    (another Python) the forkserver stays, as before."""
    if _CTX.get_start_method() != "forkserver":
        return False
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is None:
        return False
    stop()
    return True


class PoolClosed(RuntimeError):
    """The pool was closed while a map was running (the run is ending on a signal)."""


class _Worker:
    def __init__(self, func: Callable, initializer: Callable | None = None):
        self.conn, child = _CTX.Pipe()
        self.proc = _CTX.Process(target=_worker_main, args=(child, func, initializer, dict(os.environ)), daemon=True)
        self.proc.start()
        child.close()
        self.pending: deque = deque()  # (index, item) sent, not yet answered
        self.chunks: deque = deque()  # how many of each chunk in flight are not answered yet
        self.since = 0.0  # when the current document started
        self.ready = False
        # Chunks go out through a thread of this worker's own: a worker stuck in one C call (its
        # reader cannot run) blocks that thread on a full pipe, never map(), which then kills it
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._send_chunks, name="chunks-out", daemon=True).start()

    def _send_chunks(self) -> None:
        while (chunk := self._outbox.get()) is not _QUIT:
            try:
                self.conn.send(chunk)  # None (stop) goes out like a chunk, after the chunks before it
            except Exception:  # noqa: BLE001 - the worker died or was killed: map() sees it through its sentinel
                return
            if chunk is None:
                return

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        """The worker has imported what it needs: only now do time limits apply."""
        if self.ready:
            return
        if self.conn.poll(timeout_s):
            try:
                self.conn.recv()
            except (EOFError, OSError):
                return  # died while starting: map() handles it through the sentinel
            self.ready = True

    def send(self, chunk: list) -> None:
        if not self.pending:  # idle until now: its next document starts now (else when the current one ends)
            self.since = time.monotonic()
        self.pending.extend(chunk)
        self.chunks.append(len(chunk))
        self._outbox.put(chunk)

    def answered(self) -> None:
        """A result came back: the worker's next document starts now."""
        self.since = time.monotonic()
        self.chunks[0] -= 1
        if not self.chunks[0]:
            self.chunks.popleft()

    def cpu_seconds(self) -> float:
        """CPU time this worker used so far (Linux /proc; 0 elsewhere or once it is gone)."""
        return cpu_seconds(self.proc.pid) or 0.0

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self._outbox.put(_QUIT)  # a send under way fails now that the worker is gone
        with contextlib.suppress(OSError):
            self.conn.close()

    def stop(self) -> None:
        self._outbox.put(None)  # the worker ends once it has read it
        self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(2)
        self.conn.close()


class WorkerPool:
    """Run ``func(item)`` over items in ``size`` processes with a time limit per item.

    ``func`` must be importable (a module-level function) and return a
    picklable value. Results come back in input order; an item that timed
    out or crashed its worker gets ``on_failure(item, reason)``.
    """

    def __init__(self, func: Callable, size: int | None = None, timeout_s: float = 30.0, chunk_size: int = 16,
                 initializer: Callable | None = None, preload: Sequence[str] = ()):
        """``preload``: modules the forkserver imports once before it forks the first worker (the
        forkserver is one per process and reads the list when it starts: a running one keeps what
        it loaded; ``initializer`` still runs in every worker, at no cost when the preload did its work)."""
        if preload and _CTX.get_start_method() == "forkserver":
            _CTX.set_forkserver_preload(list(preload))
        self.func = func
        self.initializer = initializer
        self.size = max(1, size or os.cpu_count() or 1)
        self.timeout_s = timeout_s
        self.chunk_size = chunk_size
        self.workers: list[_Worker] = []
        self.stopped_cpu = 0.0  # CPU seconds of the workers stopped so far (the run's timings)
        self.restarts = 0
        self._fruitless_restarts = 0  # replacement workers that died before they were ready, in a row
        self._closed = False
        self._counted = False  # in _open_pools

    def __enter__(self) -> "WorkerPool":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def spawn(self) -> None:
        """Start the worker processes without waiting for them to import what they need."""
        if self._closed:
            raise PoolClosed("the cleaning workers were stopped (the run is ending)")
        global _open_pools
        if not self._counted:
            with _pools_lock:
                _open_pools += 1
            self._counted = True
        while len(self.workers) < self.size:
            self.workers.append(_Worker(self.func, self.initializer))

    def start(self) -> None:
        self.spawn()
        for w in self.workers:
            w.wait_ready()

    def close(self, kill: bool = False) -> None:
        """Stop the workers (``kill``: at once, for a run that is ending on a signal).
        A ``map`` still running in another thread stops with PoolClosed."""
        self._closed = True
        for w in list(self.workers):
            self.stopped_cpu += w.cpu_seconds()
            w.kill() if kill else w.stop()
        self.workers = []
        self._release_forkserver(stop=not kill)

    def _release_forkserver(self, stop: bool) -> None:
        """The last open pool stops the forkserver (stop_forkserver); not on ``kill``: the command
        is ending, and the forkserver ends with it (it exits when this process is gone)."""
        global _open_pools
        if not self._counted:
            return
        self._counted = False
        with _pools_lock:
            _open_pools -= 1
            if _open_pools == 0 and stop:
                stop_forkserver()

    @property
    def cpu_seconds(self) -> float:
        """CPU time of every worker this pool started (those replaced after a timeout or a crash
        count up to the moment they were replaced)."""
        return self.stopped_cpu + sum(w.cpu_seconds() for w in self.workers)

    def map(self, items: Sequence, on_failure: Callable, progress: Callable[[int], None] | None = None,
            cost: Callable | None = None) -> list:
        """``cost(item)``: how long an item is expected to take (any unit). The costliest go first,
        so that a batch ends on its cheapest items: the workers then finish together, instead of
        one cleaning a large page alone at the end while the others wait (on the 559 dev pages, a
        batch's last page kept one of two workers busy up to 1.5 s alone). Results are in input order."""
        self.start()
        results: list = [None] * len(items)
        order = enumerate(items)
        if cost is not None:
            order = sorted(order, key=lambda pair: cost(pair[1]), reverse=True)  # stable: ties keep input order
        queue: deque = deque(order)  # (index, item) not sent yet
        remaining = len(items)
        crashed_once: set[int] = set()  # items whose worker died under them once (tried again once)

        def feed(w: _Worker) -> None:
            """A worker with less than CHUNKS_IN_FLIGHT chunks gets its next one, so it always has its
            next documents at hand and never waits for this process, which may be busy storing the
            batch before, to answer; a second chunk only while no worker is idle. Neither side can
            block the other on a full pipe: the worker reads its chunks in a thread, and they leave
            here through a thread per worker, so a worker stuck in a C call (its reader cannot run)
            blocks that thread, never this loop. Chunks shrink as the batch drains (a share of what
            is left), so the workers finish a batch together instead of one cleaning a last full
            chunk alone."""
            idle_elsewhere = any(not o.chunks for o in self.workers if o is not w)
            if not queue or len(w.chunks) >= CHUNKS_IN_FLIGHT or (w.chunks and idle_elsewhere):
                return
            share = len(queue) // (2 * CHUNKS_IN_FLIGHT * len(self.workers))
            size = max(1, min(self.chunk_size, share))
            w.send([queue.popleft() for _ in range(min(size, len(queue)))])

        for _ in range(CHUNKS_IN_FLIGHT):
            for w in self.workers:
                feed(w)
        while remaining:
            if self._closed:
                raise PoolClosed("the cleaning workers were stopped (the run is ending)")
            busy = [w for w in self.workers if w.pending]
            now = time.monotonic()
            timeout = max(0.0, min(w.since + self.timeout_s for w in busy) - now) if busy else 0.1
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=timeout)
            for w in list(busy):
                try:
                    while w.conn in ready and w.conn.poll():
                        index, result = w.conn.recv()
                        w.pending.popleft()
                        w.answered()
                        status, value = result
                        results[index] = value if status == "ok" else on_failure(items[index], value)
                        remaining -= 1
                        self._fruitless_restarts = 0
                        if progress:
                            progress(1)
                except (EOFError, OSError):
                    pass
                died = not w.proc.is_alive()
                overdue = w.pending and time.monotonic() - w.since > self.timeout_s
                if (died or overdue) and w.pending:
                    index, item = w.pending.popleft()
                    crashed = died  # (a worker found dead after the limit died too: not a timeout)
                    if crashed and index not in crashed_once:
                        # killed from outside (the OOM killer, kill -9) as often as by its document:
                        # the document is tried once more, first, in the replacement worker
                        crashed_once.add(index)
                        w.pending.appendleft((index, item))
                    else:
                        reason = (
                            f"worker crashed (exit code {w.proc.exitcode}), also when tried again"
                            if crashed else f"timeout: cleaning took longer than {self.timeout_s:g} s"
                        )
                        results[index] = on_failure(item, reason)
                        remaining -= 1
                        if progress:
                            progress(1)
                    rest = list(w.pending)
                    w.pending.clear()
                    self.stopped_cpu += w.cpu_seconds()
                    w.kill()
                    self.restarts += 1
                    if self._closed:
                        raise PoolClosed("the cleaning workers were stopped (the run is ending)")
                    self.workers[self.workers.index(w)] = new = _Worker(self.func, self.initializer)
                    new.wait_ready()
                    if not new.ready:  # died while starting: the install, not a document, is at fault
                        self._fruitless_restarts += 1
                        if self._fruitless_restarts > 2 * self.size + 3:
                            raise RuntimeError(
                                "cleaning worker processes keep dying before they are ready "
                                f"(exit code {new.proc.exitcode}); see the errors above"
                            )
                    else:
                        self._fruitless_restarts = 0
                    queue.extendleft(reversed(rest))  # the documents after it, first again, in order
                    w = new
                for _ in range(CHUNKS_IN_FLIGHT):
                    feed(w)
        return results

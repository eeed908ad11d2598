"""The worker pool: a per-document time limit, crashes contained, order kept."""
from __future__ import annotations

import time

from flows.clean.workers import WorkerPool
from tests_support import slow_or_crashing


def failure(item, reason):
    return f"failed {item}: {reason}"


def test_timeouts_and_crashes_cost_one_item_each():
    items = ["a", "sleep", "b", "crash", "c", "boom", "d"] + [f"x{i}" for i in range(20)]
    started = time.monotonic()
    with WorkerPool(slow_or_crashing, size=2, timeout_s=1.0, chunk_size=4) as pool:
        out = pool.map(items, failure)
        assert pool.restarts == 3  # the crashing item is tried twice
        again = pool.map(["e", "f"], failure)  # the pool still works afterwards
    assert time.monotonic() - started < 30
    assert out[0] == "A" and out[2] == "B" and out[4] == "C" and out[6] == "D"
    assert out[1].startswith("failed sleep: timeout")
    assert out[3].startswith("failed crash: worker crashed")
    assert out[5] == "failed boom: ValueError: boom"
    assert out[7:] == [f"X{i}" for i in range(20)]
    assert again == ["E", "F"]


def test_many_documents_that_kill_their_worker_are_each_quarantined_and_the_run_goes_on():
    """A worker that dies on a document twice is that document's fault, however often it happens;
    only workers dying before they are ready (a broken install) stop the pool."""
    items = ["crash"] * 12 + ["a", "crash", "b"]
    with WorkerPool(slow_or_crashing, size=1, timeout_s=60.0) as pool:
        out = pool.map(items, failure)
    assert out[-3] == "A" and out[-1] == "B"
    assert all(o.startswith("failed crash: worker crashed (exit code 3), also when tried again")
               for o in out[:12] + [out[-2]])
    assert pool.restarts == 26


def test_a_document_whose_worker_is_killed_from_outside_is_tried_again(tmp_path):
    """A worker killed by the OOM killer or a kill -9 took its document to quarantine for good
    (cleaner_crashed; a re-run does not clean a document with an outcome again)."""
    items = ["a", f"killed-once:{tmp_path / 'marker'}", "b", "c"]
    with WorkerPool(slow_or_crashing, size=1, timeout_s=60.0, chunk_size=4) as pool:
        out = pool.map(items, failure)
    assert out == ["A", "SURVIVED", "B", "C"]
    assert pool.restarts == 1


def test_chunks_shrink_as_the_batch_drains_and_worker_cpu_is_counted():
    """Chunks shrink as the batch drains (the workers finish it together), results keep the
    input order, and the pool says how much CPU its workers used (the run's timings)."""
    items = [f"w{i}" for i in range(202)] + ["spin"]  # workers forked ready use no CPU until they work
    sent: list[int] = []
    with WorkerPool(slow_or_crashing, size=2, timeout_s=60.0, chunk_size=16) as pool:
        for w in pool.workers:
            original = w.send

            def send(chunk, original=original):
                sent.append(len(chunk))
                original(chunk)

            w.send = send
        out = pool.map(items, failure)
        assert pool.cpu_seconds >= 0.15
    assert out == [i.upper() for i in items]
    assert sum(sent) == len(items)
    assert sent[:2] == [16, 16]
    assert sent[-1] == 1 and sent == sorted(sent, reverse=True)


def test_large_documents_and_results_do_not_block_the_pipes():
    """Documents and results far larger than a pipe's buffer (HTML pages, packed bytes)."""
    items = [f"big{i}-" + "x" * 300_000 for i in range(40)]
    with WorkerPool(slow_or_crashing, size=2, timeout_s=120.0, chunk_size=16) as pool:
        out = pool.map(items, failure)
    assert out == [i.upper() for i in items]


def test_costliest_items_are_sent_first_and_results_keep_input_order():
    """With ``cost``, the pool sends the costliest items first, so a batch ends on its cheapest
    and the workers finish together; the results still come back in input order."""
    items = [f"w{i}-" + "x" * n for i, n in enumerate([5, 900, 40, 7000, 3, 250, 40])]
    sent: list[str] = []
    with WorkerPool(slow_or_crashing, size=1, timeout_s=60.0, chunk_size=2) as pool:
        worker = pool.workers[0]
        original = worker.send

        def send(chunk):
            sent.extend(item for _, item in chunk)
            original(chunk)

        worker.send = send
        out = pool.map(items, failure, cost=len)
    assert out == [i.upper() for i in items]
    assert sent == sorted(items, key=len, reverse=True)
    assert sent.index("w2-" + "x" * 40) < sent.index("w6-" + "x" * 40)  # ties keep input order


def test_a_worker_has_its_next_chunk_before_it_ends_the_one_it_cleans():
    """Two chunks in flight per worker: the next documents are in the worker before it answers
    the last of the current ones, so it never waits for this process between chunks. Each worker
    gets its first chunk before any gets a second."""
    items = [f"w{i}" for i in range(40)]
    unanswered_at_send: list[int] = []
    with WorkerPool(slow_or_crashing, size=2, timeout_s=60.0, chunk_size=4) as pool:
        for w in pool.workers:
            original = w.send

            def send(chunk, original=original, w=w):
                unanswered_at_send.append(len(w.pending))
                original(chunk)

            w.send = send
        out = pool.map(items, failure)
        assert all(not w.chunks and not w.pending for w in pool.workers)
    assert out == [i.upper() for i in items]
    assert unanswered_at_send[:4] == [0, 0, 4, 4]  # each worker got one chunk, then each a second


def test_a_worker_stuck_holding_the_interpreter_lock_is_still_timed_out():
    """A worker whose cleaning holds the interpreter's lock (its chunk reader cannot run) must not
    block this process on sending it the next chunk: the time limit still kills it."""
    items = ["hold-gil"] + [f"big{i}-" + "x" * 4_000_000 for i in range(4)]
    started = time.monotonic()
    # 3 s a document: a 4 MB one sent to the replacement worker had only 1 s, and once, in the whole
    # suite on a busy machine, took longer (its pickling, the pipe, a fresh worker's first chunk)
    with WorkerPool(slow_or_crashing, size=1, timeout_s=3.0, chunk_size=2) as pool:
        out = pool.map(items, failure)
    assert time.monotonic() - started < 60  # a send blocked on the stuck worker would never end
    assert out[0].startswith("failed hold-gil: timeout")
    assert out[1:] == [i.upper() for i in items[1:]]


def test_a_worker_whose_parent_is_gone_ends_quietly():
    """kill -9 of the run left each worker printing a BrokenPipeError traceback on the terminal
    when it sent its next result."""
    import queue

    from flows.clean.workers import _worker_main

    class Gone:
        def __init__(self):
            self.inbox = queue.SimpleQueue()
            self.inbox.put([(0, "a"), (1, "b")])
            self.sent = []

        def send(self, msg):
            if msg[0] != "ready":
                raise BrokenPipeError(32, "Broken pipe")
            self.sent.append(msg)

        def recv(self):
            return self.inbox.get()

    import signal

    conn = Gone()
    handler = signal.getsignal(signal.SIGINT)  # a worker ignores Ctrl-C; this process keeps its own
    try:
        _worker_main(conn, str.upper, None)  # returns instead of raising
    finally:
        signal.signal(signal.SIGINT, handler)
    assert conn.sent == [("ready", None)]


def test_the_last_pool_closed_stops_the_forkserver_and_a_new_pool_starts_it_again():
    """The forkserver holds what it preloaded (about 120 MB): it is not kept once the last pool
    closes (a run's checks and search index, a long-lived process between runs)."""
    import multiprocessing.forkserver as fs

    import psutil

    with WorkerPool(slow_or_crashing, size=1) as first, WorkerPool(slow_or_crashing, size=1) as second:
        assert first.map(["a"], failure) == ["A"]
        server = fs._forkserver._forkserver_pid
        assert server and psutil.pid_exists(server)
        first.close()
        assert fs._forkserver._forkserver_pid == server  # still serving the other pool
        assert second.map(["b"], failure) == ["B"]
    assert fs._forkserver._forkserver_pid is None
    assert not psutil.pid_exists(server) or psutil.Process(server).status() == psutil.STATUS_ZOMBIE
    with WorkerPool(slow_or_crashing, size=1) as again:
        assert again.map(["c"], failure) == ["C"]

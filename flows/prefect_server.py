"""A local Prefect API for one ``newsflow`` command, started early.

With no ``PREFECT_API_URL``, Prefect starts a temporary server when the flow
begins and waits for it (8-12 s here, most of it importing the server). We
start the same temporary server (Prefect's own app, as its ephemeral mode
runs it) as the very first thing the command does, so it boots on the other
core while this process imports its libraries and reads the sources. Its
output goes to a log file, so its shutdown noise never reaches the terminal.
When ``PREFECT_API_URL`` is set, nothing is started: the run shows on that
server. The server goes down with the command: stopped at exit (also after
SIGTERM or Ctrl-C, see flows/signals.py) and, on Linux, sent SIGTERM by the
kernel when the command's process dies in any other way.
"""
from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from .procstat import cpu_seconds


MAX_RESTARTS = 3  # times the API is started again when it dies during a command (_supervise)
READY_TIMEOUT_S = 90.0  # how long the API may take to answer before Prefect is left to start its own


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prefect_home() -> Path:
    """Prefect's home folder as Prefect reads it: ``$PREFECT_HOME``, else ``~/.prefect``."""
    return Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()


def _loopback_cert_file() -> str | None:
    """A CA file of one certificate, for Prefect's clients of the temporary API.

    Every Prefect client (one per thread that talks to the API, about six a run) builds an SSL
    context from ``PREFECT_API_SSL_CERT_FILE`` or certifi's bundle: 25 ms each to parse ~150
    certificates, for an ``http://127.0.0.1`` API that never speaks TLS. The file only has to
    parse; it holds certifi's first certificate, so it trusts nothing certifi does not."""
    home = prefect_home()  # the user's own, like Prefect's database
    target = home / "newsflow-loopback-ca.pem"
    if target.exists():
        return str(target)
    try:
        import certifi

        bundle = Path(certifi.where()).read_text(encoding="ascii")
        end = bundle.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")
        begin = bundle.rindex("-----BEGIN CERTIFICATE-----", 0, end)
        home.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=home, prefix=".newsflow-ca-")
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(bundle[begin:end] + "\n")
        os.replace(tmp, target)  # atomic: a concurrent command reads a whole file or none
    except (ImportError, OSError, ValueError):
        return None
    return str(target)


def _unwritable(folder: Path) -> str | None:
    """Why nothing can be written in ``folder`` (created if missing), or None when it can be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".newsflow-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def ensure_writable_prefect_home() -> str | None:
    """Point ``PREFECT_HOME`` at a temporary folder for this command when Prefect's home (``$PREFECT_HOME``,
    else ``~/.prefect``) cannot be written (a read-only home: a container, a service with ProtectHome):
    the temporary API keeps its database there, and with none it never answered, so every run failed
    with 'Failed to reach API at http://127.0.0.1:NNNNN/api/' after about 10 s. Says so on stderr and
    returns the folder (removed at exit), or None when the home is writable (left as it is)."""
    home = prefect_home()
    reason = _unwritable(home)
    if reason is None:
        return None
    import shutil

    folder = tempfile.mkdtemp(prefix="newsflow-prefect-home-")
    os.environ["PREFECT_HOME"] = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    print(f"newsflow: Prefect's home {home} is not writable ({reason}); this command keeps its Prefect "
          f"records in {folder}, removed at exit (set PREFECT_HOME to a writable folder to keep them)",
          file=sys.stderr, flush=True)
    return folder


API_CHECK_TIMEOUT_S = 10.0  # how long the user's PREFECT_API_URL may take to answer /health


def api_problem(url: str, timeout_s: float = API_CHECK_TIMEOUT_S) -> str | None:
    """What is wrong with the Prefect API at ``url`` (the user's PREFECT_API_URL), or None when its
    ``/health`` answers as Prefect's does (or asks for credentials: Prefect reports that itself).
    A dead port failed the run in 3 s with 'Failed to reach API', but a server answering garbage took
    69 s of Prefect's retries, and one that accepts connections and never answers, minutes."""
    import http.client
    import json
    import urllib.error

    try:
        request = urllib.request.Request(url.rstrip("/") + "/health", headers={"Accept": "application/json"})
        if os.environ.get("PREFECT_API_KEY"):
            request.add_header("Authorization", f"Bearer {os.environ['PREFECT_API_KEY']}")
        with urllib.request.urlopen(request, timeout=timeout_s) as resp:
            body = resp.read(4096)
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            return None
        if exc.code == 404:
            return "answers 404 Not Found for /health: is it a Prefect API (the URL ends in /api)?"
        return f"answers {exc.code} {exc.reason} for /health"
    except http.client.HTTPException as exc:  # garbage instead of HTTP
        return f"answers, but not in HTTP ({type(exc).__name__}: {str(exc)[:60]!r})"
    except (OSError, ValueError) as exc:  # refused, no route, a timeout, a bad URL
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return f"does not answer within {timeout_s:g} s"
        return f"cannot be reached ({type(reason).__name__}: {reason})"
    try:
        json.loads(body)
    except ValueError:
        return f"answers, but not as a Prefect API (its /health said {body[:60]!r}; does the URL end in /api?)"
    return None


def _die_with_parent() -> None:
    """In the server's process, before it starts: the kernel sends it SIGTERM when the
    newsflow process ends, however it ends (kill -9 included), so it is never orphaned."""
    import ctypes
    import signal

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class EarlyServer:
    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.cpu_at_ready: float | None = None  # the API's CPU seconds when it first answered
        self.url: str | None = None
        self.log_path: Path | None = None
        self._cert_file: str | None = None  # PREFECT_API_SSL_CERT_FILE set for this API only
        self._ready = threading.Event()  # the API answered
        self._watched = threading.Event()  # the watch thread is done (ready and warmed, or gave up)
        self._flow_settings = None  # (profile, Prefect settings) for the flow run, made in advance
        self._stopping = threading.Event()  # stop() was called: an exit of the API is expected
        self._spawning = threading.Lock()  # stop() and a restart, one at a time
        self.restarts = 0  # times the API was started again after dying (_supervise)

    def start(self) -> None:
        if os.environ.get("PREFECT_API_URL"):
            return
        spec = importlib.util.find_spec("prefect")
        if spec is None or not spec.submodule_search_locations:
            return
        self._app_dir = str(Path(list(spec.submodule_search_locations)[0]).parent)
        self._port = _free_port()
        self.proc = self._spawn()
        self.url = f"http://127.0.0.1:{self._port}/api"
        os.environ["PREFECT_API_URL"] = self.url
        if not os.environ.get("PREFECT_API_SSL_CERT_FILE") and (ca := _loopback_cert_file()):
            os.environ["PREFECT_API_SSL_CERT_FILE"] = self._cert_file = ca
        atexit.register(self.stop, wait=False)
        threading.Thread(target=self._watch, args=(time.monotonic() + READY_TIMEOUT_S,), name="newsflow-api-watch",
                         daemon=True).start()

    def _spawn(self) -> subprocess.Popen:
        """The API's process, on this command's port; its output to a log file."""
        env = dict(os.environ, PREFECT_UI_ENABLED="0", PREFECT__SERVER_EPHEMERAL="1", PREFECT__SERVER_FINAL="1",
                   # no block types to register for a run that uses none: skips importing every installed
                   # Prefect collection (prefect-dask pulls in dask.distributed) and hashing the registry
                   PREFECT_API_BLOCKS_REGISTER_ON_START="false", PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION="false",
                   # py-key-value (Prefect's server task queue) wraps its own functions in beartype type
                   # checks that only warn; its switch to leave them out saves ~0.1 s of the API's import
                   PY_KEY_VALUE_DISABLE_BEARTYPE=os.environ.get("PY_KEY_VALUE_DISABLE_BEARTYPE", "true"))
        env.pop("PREFECT_API_URL", None)  # ours, once set: the server itself does not use it
        if self.log_path is None:
            fd, log = tempfile.mkstemp(prefix="newsflow-prefect-server-", suffix=".log")
            self.log_path = Path(log)
        else:  # started again: its log goes on
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "flows.prefect_api", "--app-dir", self._app_dir, "--factory",
                 "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self._port),
                 "--log-level", "error", "--lifespan", "on"],
                env=env, stdout=fd, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                start_new_session=True,  # a signal to our process group leaves it up until our exit handler stops it
            )
        finally:
            os.close(fd)

    def _supervise(self) -> None:
        """In a thread once the API answered: start it again, on the same port, if it exits before
        the command stops it (killed, the OOM killer). The flow run's Prefect clients retry a
        refused connection for about a minute once they have connected, so the run goes on; its
        records are in Prefect's database, which the new process opens. Without this a run whose
        API died retried every request for a minute, then every log and event at exit, and
        failed after about 6 minutes with 'ConnectError: [Errno 111] Connection refused' (exit 1)
        although its batches, checks and runs row were all done."""
        while True:
            proc = self.proc
            if proc is None:
                return
            code = proc.wait()
            if self._stopping.is_set() or self.proc is not proc:
                return
            if self.restarts >= MAX_RESTARTS:
                print(f"newsflow: the temporary Prefect API exited (status {code}) {self.restarts + 1} times; "
                      f"not starting it again (its log: {self.log_path})", file=sys.stderr, flush=True)
                return
            self.restarts += 1
            print(f"newsflow: the temporary Prefect API (pid {proc.pid}) exited (status {code}); "
                  "starting it again on the same port, the run goes on", file=sys.stderr, flush=True)
            with self._spawning:
                if self._stopping.is_set():
                    return
                self.proc = self._spawn()

    def _watch(self, deadline: float) -> None:
        """In a thread from the start: wait until the API answers, then send it the first requests a
        flow run makes (the API version, a flow-run query). Its first real request builds FastAPI's
        routes and the database session (0.2-0.4 s of the API's CPU); sent from here it is done while
        this process is still importing and building the checks, not while the flow waits for it."""
        proc = self.proc  # stop() may clear self.proc meanwhile
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"{self.url}/health", timeout=1) as resp:
                        if resp.status == 200:
                            self.cpu_at_ready = cpu_seconds(proc.pid)
                            self._ready.set()
                            threading.Thread(target=self._supervise, name="newsflow-api-supervise",
                                             daemon=True).start()
                            break
                except OSError:
                    pass
                time.sleep(0.05)
            else:
                return
            for path, body in (("/admin/version", None), ("/flow_runs/filter", b'{"limit": 1}')):
                request = urllib.request.Request(f"{self.url}{path}", data=body,
                                                 headers={"Content-Type": "application/json"})
                try:
                    urllib.request.urlopen(request, timeout=10).close()
                except OSError:
                    pass  # only a warm-up: the flow's own requests say what is wrong
        finally:
            self._watched.set()

    def wait_ready(self) -> None:
        """Block until the API answers (the watch thread gives up after READY_TIMEOUT_S) and is
        warmed up; on failure let Prefect start its own."""
        if self.proc is None:
            return
        self._watched.wait()
        if self._ready.is_set() and self.proc.poll() is None:
            return
        self.stop()
        os.environ.pop("PREFECT_API_URL", None)  # fall back to Prefect's own temporary server
        self._flow_settings = None  # they name this API

    def prepare_flow_settings(self) -> None:
        """Make the flow run's Prefect settings now, while the API is still starting: Prefect builds
        a changed copy of its settings by reading every source again (0.2 CPU-s), which the flow
        would otherwise wait for after the API answered."""
        if self.proc is None or self._flow_settings is not None:
            return
        from prefect.context import get_settings_context
        from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY

        context = get_settings_context()
        # what prefect.settings.temporary_settings(updates=...) makes on entering
        self._flow_settings = (context.profile, context.settings.copy_with_update(
            updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}))

    def flow_settings(self):
        """Prefect settings for the flow run on this temporary API: no heartbeats. They let a
        lasting server notice a crashed run, but this API ends with the command; the heartbeat
        thread sleeps in whole seconds and the flow's end waits for it (0-1 s a run).
        With PREFECT_API_URL given by the user, Prefect's settings stay as they are."""
        import contextlib

        if self.proc is None:
            return contextlib.nullcontext()
        from prefect.context import SettingsContext

        self.prepare_flow_settings()
        profile, settings = self._flow_settings
        return SettingsContext(profile=profile, settings=settings)

    def stop(self, wait: bool = True) -> None:
        """Stop the API. At exit (``wait=False``) it is only told to stop: by then the flow run's
        states, logs and events are in its database (Prefect's workers drain before this runs),
        so nothing of the user's waits on its graceful shutdown (0.2-0.3 s), which ends on its own."""
        with self._spawning:
            self._stopping.set()
        if self.proc is None:
            return
        self.proc.terminate()
        if wait:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._cert_file and os.environ.get("PREFECT_API_SSL_CERT_FILE") == self._cert_file:
            del os.environ["PREFECT_API_SSL_CERT_FILE"]
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)  # an open log outlives its name until the API exits

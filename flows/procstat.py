"""A process's figures from Linux's ``/proc/<pid>/stat``: the CPU time it used and when it
started. Read by the run's timings (start-up, the temporary API, the cleaning workers); None
where there is no /proc (not Linux) or the process is gone."""
from __future__ import annotations

import os
from pathlib import Path


def _fields(pid: int | str) -> list[str]:
    # after the command name in parentheses (which may hold spaces); fields[0] is field 3, "state"
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int | str = "self") -> float | None:
    """User plus system CPU seconds the process used so far (fields 14 and 15)."""
    try:
        fields = _fields(pid)
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def started_after_boot(pid: int | str = "self") -> float | None:
    """When the process started, in seconds after boot (field 22), as CLOCK_BOOTTIME counts."""
    try:
        return int(_fields(pid)[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None

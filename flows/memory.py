"""Giving freed memory back to the system between batches.

A batch allocates and frees hundreds of megabytes (its documents, the checks'
DataFrames, DuckDB's work on the commit); glibc keeps much of what was freed
in its heaps, so a long run's resident size grows batch after batch with
memory nobody uses. ``malloc_trim(0)`` returns the free pages at the end of a
batch (a few milliseconds). Elsewhere than glibc it does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        return None


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system; True when the C library could."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True

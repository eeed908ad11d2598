"""Import Great Expectations without paying for the modules our checks never use.

``import great_expectations`` imports every expectation class, and three of
them (the KL-divergence expectation and the two Kolmogorov-Smirnov metrics)
import ``scipy.stats`` and ``altair`` at module level: about 0.7 s of the 2 s
GX import costs, for checks newsflow does not run. Before GX is imported,
those two modules are entered in ``sys.modules`` as ``Deferred`` modules: the
real module is imported the first time anything reads an attribute of it
(``stats.entropy``, ``alt.Chart``), so every GX feature still works, it only
pays for scipy and altair when it uses them. A module already imported is left
as it is, and a process that never imports GX never sees a Deferred one.

Not ``importlib.util.LazyLoader``: on Python 3.11 it is not thread-safe (two
threads reading the first attribute both execute the module; fixed in 3.12,
gh-114763), and checks and Data Docs may run beside the flow's other threads.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import types

DEFERRED = ("scipy.stats", "altair")

_lock = threading.Lock()


class Deferred(types.ModuleType):
    """A module entered in ``sys.modules`` whose real import waits for its first attribute read."""

    def __getattr__(self, attr: str):
        real = self.__dict__.get("_deferred_real")
        if real is None:
            with _lock:
                real = self.__dict__.get("_deferred_real")
                if real is None:
                    if sys.modules.get(self.__name__) is self:
                        del sys.modules[self.__name__]
                    real = importlib.import_module(self.__name__)  # now in sys.modules itself
                    self.__dict__["_deferred_real"] = real
        return getattr(real, attr)


def defer(name: str) -> bool:
    """Enter ``name`` in sys.modules as a Deferred module (unless imported already or not installed)."""
    if name in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec(name)  # imports the parent package (scipy's is light)
    except ImportError:  # the parent package is not installed
        return False
    if spec is None:
        return False
    module = Deferred(name)
    module.__spec__ = spec
    module.__file__ = spec.origin
    sys.modules[name] = module
    return True


def import_gx():
    """``great_expectations``, imported with ``DEFERRED`` deferred."""
    if "great_expectations" not in sys.modules:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        for name in DEFERRED:
            defer(name)
    import great_expectations

    return great_expectations

"""Modules imported only when something first reads from them.

A library often imports, at its own import, modules that newsflow never uses:
GX imports scipy.stats and altair for checks we do not run
(``quality/gx_import.py``), and ``import prefect.context``, which every flow run
needs, imports ``prefect.blocks``, whose package imports every notification
block Prefect ships (Slack, Teams, PagerDuty, Twilio, ... and the webhook
block): dozens of pydantic models built at import, 0.15-0.25 CPU-s of the
command's start-up, for blocks a newsflow process never loads.

``defer(name)`` enters such a module in ``sys.modules`` as a ``Deferred``
module: the real one is imported the first time anything reads an attribute
of it (``notifications.SlackWebhook``, ``stats.entropy``), so every feature
still works and only pays for the module when it is used. A module already
imported is left as it is.

Prefect's notification blocks are deferred in the newsflow command's own
process only (``defer_unused_prefect``), never in the temporary Prefect API:
the server's automations load a notification block by its type name, from
Prefect's registry of the block classes imported so far, and a deferred
module has not registered its classes.

Not ``importlib.util.LazyLoader``: on Python 3.11 it is not thread-safe (two
threads reading the first attribute both execute the module; fixed in 3.12,
gh-114763), and it loads the module as soon as the import system looks at it
(``import a.b.c`` reads its ``__spec__``).
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from pathlib import Path

PREFECT_UNUSED = ("prefect.blocks.notifications", "prefect.blocks.webhook")

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


def _spec_without_parent(name: str):
    """The spec of module ``name`` (a ``.py`` file), found without importing its parent packages
    (``importlib.util.find_spec`` imports them, and a parent may import ``name`` itself)."""
    top, _, rest = name.partition(".")
    top_spec = importlib.util.find_spec(top)  # a top-level package is found, not imported
    if top_spec is None or not top_spec.submodule_search_locations or not rest:
        return None
    for base in top_spec.submodule_search_locations:
        path = Path(base, *rest.split(".")).with_suffix(".py")
        if path.is_file():
            return importlib.util.spec_from_file_location(name, path)
    return None


def defer(name: str, import_parent: bool = True) -> bool:
    """Enter ``name`` in sys.modules as a Deferred module (unless imported already or not
    installed). With ``import_parent`` False, its parent packages are not imported to find it."""
    if name in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec(name) if import_parent else _spec_without_parent(name)
    except ImportError:  # the parent package is not installed
        return False
    if spec is None:
        return False
    module = Deferred(name)
    module.__spec__ = spec
    module.__file__ = spec.origin
    sys.modules[name] = module
    return True


def defer_unused_prefect() -> list[str]:
    """Defer ``PREFECT_UNUSED`` in this process (the newsflow command's, before it imports
    Prefect); returns the modules deferred."""
    return [name for name in PREFECT_UNUSED if defer(name, import_parent=False)]

"""Import Great Expectations without paying for the modules our checks never use.

``import great_expectations`` imports every expectation class, and three of
them (the KL-divergence expectation and the two Kolmogorov-Smirnov metrics)
import ``scipy.stats`` and ``altair`` at module level: about 0.7 s of the 2 s
GX import costs, for checks newsflow does not run. Before GX is imported,
those two modules are entered in ``sys.modules`` as ``Deferred`` modules: the
real module is imported the first time anything reads an attribute of it
(``stats.entropy``, ``alt.Chart``), so every GX feature still works, it only
pays for scipy and altair when it uses them (``flows/deferred.py``). A module
already imported is left as it is, and a process that never imports GX never
sees a Deferred one.

SQLAlchemy is an optional GX dependency (its SQL extras), installed here only
because Prefect's server needs it, and GX imports it whole when it finds it:
0.4-0.5 CPU-s of the 1.5-2 s, for SQL datasources newsflow never makes (its
checks validate pandas frames). While GX is imported, ``HIDDEN_FROM_GX`` is
hidden from the importing thread (``_HiddenFromGX``), so GX sets itself up as
it does where SQLAlchemy is not installed; other threads, and every import
after GX's, see it as usual. A process that imported SQLAlchemy already (a
test beside Prefect's server) gives GX the whole package, as before.
"""
from __future__ import annotations

import importlib
import importlib.abc
import os
import sys
import threading

from ..deferred import defer

DEFERRED = ("scipy.stats", "altair")
HIDDEN_FROM_GX = ("sqlalchemy",)  # optional GX dependencies (its SQL extras) our pandas checks never use


class _HiddenFromGX(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path`` while GX is imported: ``HIDDEN_FROM_GX`` (and their submodules)
    are not found from the importing thread, as if not installed. GX guards each of its optional
    imports with ``except ImportError`` and puts a stand-in in its place."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.thread = threading.get_ident()
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if threading.get_ident() == self.thread and name.split(".", 1)[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r} (hidden while Great Expectations is imported)",
                                      name=name)
        return None


def import_gx():
    """``great_expectations``, imported with ``DEFERRED`` deferred and ``HIDDEN_FROM_GX`` hidden,
    and two shortcuts through work GX repeats in every validation (``read_configuration_once``,
    ``convert_none_first``)."""
    if "great_expectations" not in sys.modules:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        for name in DEFERRED:
            defer(name)
        # a package this process imported already stays visible: GX then uses it whole
        hidden = _HiddenFromGX(tuple(name for name in HIDDEN_FROM_GX if name not in sys.modules))
        sys.meta_path.insert(0, hidden)
        try:
            importlib.import_module("great_expectations")
        finally:
            sys.meta_path.remove(hidden)
    import great_expectations

    read_configuration_once()
    convert_none_first()
    return great_expectations


# The GX versions the shortcuts below were checked on (tests/quality/test_gx_import.py)
CHECKED_GX = ("1.24.",)
REPLACED: dict = {}  # GX's own functions the shortcuts replaced, by name (for the equivalence tests)


def read_configuration_once() -> bool:
    """GX 1.24 builds an expectation's ``configuration`` (a pydantic ``dict()`` of the model, its
    type name put through two regular expressions, a new ExpectationConfiguration) afresh each
    time the property is read, and ``_get_domain_kwargs`` and ``_get_success_kwargs`` read it once
    per key: 1,677 builds a validation of the 26 clean checks, 39% of its CPU. Those two,
    ``_get_success_kwarg`` and ``_get_runtime_kwargs`` read it once per call here (the expectation
    does not change during a call, and every call still gets a configuration of its own, so
    nothing is shared between calls); the type name's snake case is remembered per class name.
    The same answers, tested on every expectation of our suites; other GX versions are left as
    they are."""
    import functools

    import great_expectations
    from great_expectations.expectations import expectation as module

    if not great_expectations.__version__.startswith(CHECKED_GX) or "_get_domain_kwargs" in REPLACED:
        return False
    Expectation = module.Expectation

    def _get_domain_kwargs(self):
        kwargs = self.configuration.kwargs
        domain_kwargs = {key: kwargs.get(key, self._get_default_value(key)) for key in self.domain_keys}
        missing_kwargs = set(self.domain_keys) - set(domain_kwargs.keys())
        if missing_kwargs:
            raise module.InvalidExpectationKwargsError(f"Missing domain kwargs: {list(missing_kwargs)}")
        return domain_kwargs

    def _get_success_kwargs(self):
        domain_kwargs = self._get_domain_kwargs()
        kwargs = self.configuration.kwargs
        success_kwargs = {key: kwargs.get(key, self._get_default_value(key)) for key in self.success_keys}
        success_kwargs.update(domain_kwargs)
        return success_kwargs

    def success_kwarg(self, kwargs: dict, key, default=None):
        if key in kwargs:
            return kwargs[key]
        field = self.__fields__.get(key)  # not configured: the field's default
        if field is not None:
            return field.default if not field.required else default
        module.logger.warning(
            f'_get_success_kwarg called with key "{key}", but it is not a known field of {type(self).__name__}')
        return default

    def _get_success_kwarg(self, key, default=None):
        return success_kwarg(self, self.configuration.kwargs, key, default)

    def _get_runtime_kwargs(self, runtime_configuration=None):
        runtime_configuration = runtime_configuration or {}
        success_kwargs = self._get_success_kwargs()
        kwargs = self.configuration.kwargs
        runtime_kwargs = {key: runtime_configuration.get(key, success_kwarg(self, kwargs, key))
                          for key in self.runtime_keys}
        runtime_kwargs.update(success_kwargs)
        runtime_kwargs["result_format"] = module.parse_result_format(runtime_kwargs["result_format"])
        return runtime_kwargs

    replaced = {"_get_domain_kwargs": _get_domain_kwargs, "_get_success_kwargs": _get_success_kwargs,
                "_get_success_kwarg": _get_success_kwarg, "_get_runtime_kwargs": _get_runtime_kwargs}
    for name, method in replaced.items():
        REPLACED[name] = Expectation.__dict__[name]  # GX's own, kept for the equivalence test
        setattr(Expectation, name, method)
    module.camel_to_snake = functools.lru_cache(maxsize=1024)(module.camel_to_snake)
    return True


def convert_none_first() -> bool:
    """GX's ``convert_to_json_serializable`` (which makes the id of each of the ~670 metric
    configurations a validation builds) tests ``None`` last, after four numpy ``issubdtype``
    calls, and most metric arguments are ``None``: 7% of a validation's CPU. ``None`` is answered
    first here, as the function itself answers it (``return data``); everything else goes to GX's
    own function, whose recursive calls come back through this one."""
    import great_expectations
    from great_expectations import util
    from great_expectations.core import id_dict

    if not great_expectations.__version__.startswith(CHECKED_GX) or "convert_to_json_serializable" in REPLACED:
        return False
    original = util.convert_to_json_serializable

    def convert_to_json_serializable(data):
        if data is None:
            return None
        return original(data)

    REPLACED["convert_to_json_serializable"] = original
    util.convert_to_json_serializable = convert_to_json_serializable  # the recursive calls
    id_dict.convert_to_json_serializable = convert_to_json_serializable  # the metric ids
    return True

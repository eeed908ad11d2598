"""A flow run's parameters as Prefect keeps them: passwords written ``***``.

Prefect records every flow run's parameters in its API's database and shows them in the UI to
anyone who can open it. A URL given with a password (``https://ann:secret@host/feed``) or a lake
catalog holding one (``postgres:... password=secret``, ``postgresql://ann:secret@host/lake``)
goes to the flow as a ``Masked`` value: the flow gets the value as given, while Prefect, which
turns parameters into JSON with FastAPI's ``jsonable_encoder`` (a pydantic ``SecretStr`` becomes
``str()`` of it), writes what ``without_secrets`` leaves.
"""
from __future__ import annotations

import dataclasses
import re

from pydantic import SecretStr

from ..settings import Settings

_URL_PASSWORD = re.compile(r"(://[^/?#@:\s]*):[^/?#@\s]*@")  # a URL's user info, wherever the URL starts
_KEY_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)  # libpq key=value


def without_secrets(text: str) -> str:
    """``text`` with the passwords of URLs and of ``password=`` settings written ``***``."""
    return _KEY_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1:***@", text))


class Masked(SecretStr):
    """A parameter holding a password: ``get_secret_value()`` is the value, ``str()`` the value
    without it (what Prefect's API and UI get)."""

    def __init__(self, value: str) -> None:
        super().__init__(value)
        self._shown = without_secrets(value)

    def __str__(self) -> str:
        return self._shown

    def __repr__(self) -> str:
        return f"Masked({self._shown!r})"


def masked(value: str) -> str | Masked:
    """``value`` as a flow parameter: itself, or ``Masked`` when it holds a password."""
    return Masked(value) if without_secrets(value) != value else value


def revealed(value):
    """A parameter as the flow uses it (the value of a ``Masked``)."""
    return value.get_secret_value() if isinstance(value, SecretStr) else value


MASKED_SETTINGS = ("lake_catalog", "dask_address")  # settings that may hold a password


def masked_settings(settings: Settings) -> Settings:
    """The settings to pass as a flow parameter (``revealed_settings`` undoes it in the flow)."""
    changes = {f: masked(getattr(settings, f)) for f in MASKED_SETTINGS if getattr(settings, f, "")}
    return dataclasses.replace(settings, **changes) if changes else settings


def revealed_settings(settings: Settings | None) -> Settings | None:
    if settings is None:
        return None
    changes = {f: revealed(getattr(settings, f)) for f in MASKED_SETTINGS
               if isinstance(getattr(settings, f, None), SecretStr)}
    return dataclasses.replace(settings, **changes) if changes else settings

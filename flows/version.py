"""The code version written on every row: the package version plus a fingerprint of the cleaner.

Stored articles are reused for later copies of the same bytes (``clean/reuse.py``)
only when the cleaner that made them is the one running now. The package version
alone does not change when the cleaning code, its tuned rules or model, or the
extraction libraries change, so the fingerprint covers all of those: edit any of
them and earlier rows stop being reused (``newsflow reprocess`` redoes them).
"""
from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path

from . import __version__

CLEAN_DIR = Path(__file__).parent / "clean"
# the libraries whose output the cleaned article is
EXTRACTION_LIBRARIES = ("trafilatura", "htmldate", "lxml", "justext", "charset-normalizer", "py3langid")


@functools.cache
def cleaner_fingerprint() -> str:
    """12 hex digits over the clean package's files (code, tuned rules, models) and the
    versions of the extraction libraries."""
    digest = hashlib.sha256()
    for path in sorted(p for p in CLEAN_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(CLEAN_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in EXTRACTION_LIBRARIES:
        try:
            digest.update(f"{name}=={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} missing\0".encode())
    return digest.hexdigest()[:12]


@functools.cache
def code_version() -> str:
    """``0.1.0+clean.<fingerprint>``: what ``code_version`` columns hold."""
    return f"{__version__}+clean.{cleaner_fingerprint()}"

"""Where the project's own resources live (no heavy imports here: `rutin check` uses it)."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _templates_dir() -> Path:
    """The design card: top-level templates/ in a checkout, builder/templates/ in a wheel.

    The wheel maps templates/ into the package at build time (pyproject.toml force-include);
    an editable install or a plain checkout reads the source folder itself.
    """
    packaged = PACKAGE_DIR / "templates"
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / "templates"


TEMPLATES_DIR = _templates_dir()


def cache_dir() -> Path:
    """The user cache folder (never the repository): $XDG_CACHE_HOME or ~/.cache."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rutinbyggaren"

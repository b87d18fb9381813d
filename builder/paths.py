"""Where the project's own resources live (no heavy imports here: `rutin check` uses it)."""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR.parent / "templates"


def cache_dir() -> Path:
    """The user cache folder (never the repository): $XDG_CACHE_HOME or ~/.cache."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rutinbyggaren"

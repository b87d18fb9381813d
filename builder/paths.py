"""Where the project's own resources live (no heavy imports here: `rutin check` uses it)."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR.parent / "templates"

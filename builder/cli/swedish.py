"""Click's own messages (usage, help, errors) in Swedish: users read Swedish, whatever the locale.

Click marks its strings for gettext (each of its modules calls ``gettext.gettext`` as ``_`` and
``ngettext``) and ships no translations. Ours are a gettext catalogue in the package,
``locale/sv/LC_MESSAGES/click.po``, compiled to ``click.mo`` by ``scripts/compile_messages.py``
(tests/test_cli_swedish.py checks that the catalogue holds every string the installed Click
marks and that the .mo matches the .po).

Python's module-level ``gettext.gettext`` picks its language from LANGUAGE/LC_ALL/LANG only, so
with ``bindtextdomain`` alone a user in a C or English locale (CI, a fresh Debian) would get
Click in English. The catalogue is therefore opened for Swedish explicitly and its ``gettext``
and ``ngettext`` are the functions Click's modules call.

What Click does not mark for gettext is set where it is defined: the placeholders of value types
(TEXT, INTEGER …) and ``[OPTIONS]`` (see SwedishCommand in builder/cli/__init__.py).
"""

from __future__ import annotations

import gettext
import importlib
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "click"
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion",
                 "termui", "types", "utils", "_termui_impl")

# Click's value types name themselves in English (ParamType.name, not marked for gettext).
TYPE_METAVARS: dict[str, str] = {
    "text": "VÄRDE",
    "integer": "HELTAL",
    "integer range": "HELTAL",
    "float": "TAL",
    "float range": "TAL",
    "boolean": "JA/NEJ",
    "uuid": "UUID",
    "datetime": "TIDPUNKT",
    "filename": "FIL",
}


def catalogue() -> gettext.GNUTranslations:
    """The Swedish catalogue for Click's strings."""
    with (LOCALE_DIR / "sv" / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as file:
        return gettext.GNUTranslations(file)


def install() -> None:
    """Give Click's modules the Swedish catalogue as their gettext functions (idempotent)."""
    swedish = catalogue()
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = swedish.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = swedish.ngettext  # type: ignore[attr-defined]

"""Click's own messages (usage, help, errors) in Swedish: users read Swedish, whatever the locale.

Click marks its strings for gettext but ships no catalogue; each of its modules binds
``gettext.gettext`` as ``_`` (and ``ngettext``), so we rebind those names to a lookup in a
small Swedish table. Strings not in the table stay as Click wrote them.
"""

from __future__ import annotations

import importlib

CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types",
                 "utils")

SWEDISH: dict[str, str] = {
    "Usage:": "Användning:",
    "Options": "Flaggor",
    "Commands": "Kommandon",
    "Positional arguments": "Argument",
    "Show this message and exit.": "Visa den här hjälpen och avsluta.",
    "Show the version and exit.": "Visa versionen och avsluta.",
    "Error: {message}": "Fel: {message}",
    "Try '{command} {option}' for help.": "Skriv '{command} {option}' för hjälp.",
    "Aborted!": "Avbrutet.",
    "Missing argument": "Argument saknas",
    "Missing option": "Flagga saknas",
    "Missing parameter": "Parameter saknas",
    "Missing parameter: {param_name}": "Parameter saknas: {param_name}",
    "Missing {param_type}": "{param_type} saknas",
    "Missing command.": "Kommando saknas.",
    "No such command {name!r}.": "Kommandot {name!r} finns inte.",
    "No such option {name!r}.": "Flaggan {name!r} finns inte.",
    "Option {name!r} does not take a value.": "Flaggan {name!r} tar inget värde.",
    "Invalid value for {param_hint}: {message}": "Ogiltigt värde för {param_hint}: {message}",
    "Invalid value: {message}": "Ogiltigt värde: {message}",
    "Choose from:\n\t{choices}": "Välj bland:\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} är inget giltigt {number_type}.",
    "{value} is not in the range {range}.": "{value} ligger inte inom {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} finns inte.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} är en mapp.",
    "{name} {filename!r} is a file.": "{name} {filename!r} är en fil.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} går inte att läsa.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} går inte att skriva.",
    "Could not open file {filename!r}: {message}": "Kunde inte öppna {filename!r}: {message}",
    "default: {default}": "standard: {default}",
    "file": "fil",
    "directory": "mapp",
    "path": "sökväg",
    "Got unexpected extra argument ({args})": "Oväntat extra argument ({args})",
    "Got unexpected extra arguments ({args})": "Oväntade extra argument ({args})",
    "Option {name!r} requires an argument.": "Flaggan {name!r} behöver ett värde.",
    "Option {name!r} requires {nargs} arguments.": "Flaggan {name!r} behöver {nargs} värden.",
    "Did you mean {possibility}?": "Menade du {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Menade du någon av: {possibilities}?)",
    "{value!r} is not {choice}.": "{value!r} är inte {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} är inte någon av {choices}.",
}


def _gettext(message: str) -> str:
    return SWEDISH.get(message, message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _gettext(singular if count == 1 else plural)


def install() -> None:
    """Rebind Click's gettext hooks to the Swedish table (idempotent)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]

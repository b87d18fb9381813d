"""R1xx rules beyond the schema itself: text that would smuggle raw HTML into documents."""

from __future__ import annotations

from collections.abc import Iterator

from builder.diagnostics import Diagnostic
from builder.load.library import Library
from builder.rules import CheckOptions, finding, rule, string_leaves
from builder.text.markdown import find_raw_html


@rule("R106", "error", "Rå HTML i text är inte tillåtet")
def check_raw_html(library: Library, options: CheckOptions) -> Iterator[Diagnostic]:
    """Raw HTML in a routine's text (Markdown only)."""
    for routine in library.routines:
        for path, text in string_leaves(routine.source.data):
            fragment = find_raw_html(text)
            if fragment:
                shown = fragment if len(fragment) <= 40 else fragment[:40] + "…"
                yield finding(routine, path, "R106",
                              f"texten innehåller HTML ({shown!r}); använd Markdown, "
                              "t.ex. **fet** eller en lista med '-'", at_text=fragment.splitlines()[0])

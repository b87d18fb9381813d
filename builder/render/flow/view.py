"""The map and its "Vem gör vad och när" table as values for the document templates."""

from __future__ import annotations

import base64
from typing import Any

from builder.derived import walk_sections
from builder.model import Document, Section
from builder.process import Process, Task, summary
from builder.render import RenderContext
from builder.render.flow.formats import routine_process
from builder.render.flow.layout import (
    LANDSCAPE,
    PORTRAIT,
    PT_PER_MM,
    MapLayout,
    layout_map,
    needs_landscape,
    plain,
)
from builder.render.flow.svg import map_svg

CAPTION = ("Flödet ritas ur stegen ovan: en bana per part, stegen i ordning från vänster till "
           "höger, en romb där vägen delar sig. Tabellen nedan säger samma sak i text.")


def _row(task: Task) -> dict[str, Any]:
    return {
        "number": task.number,
        "who": task.party.label,
        "not_stated": task.party.kind == "not_stated",
        "condition": plain(task.condition) if task.condition else None,
        "what": plain(task.text),
        "notes": [plain(n) for n in task.notes],
        "when": plain(task.when) if task.when else "–",
    }


def flow_tables(process: Process) -> list[dict[str, Any]]:
    """One table per step list; captions name the section when there are several."""
    tables = []
    for flow in process.flows:
        tasks = [t for node in flow.nodes
                 for t in (node.tasks if not isinstance(node, Task) else (node,))]
        caption = (f"Vem gör vad och när: {plain(flow.section)}" if len(process.flows) > 1
                   else "Stegen i text: vem, vad och när")
        tables.append({"caption": caption, "rows": [_row(t) for t in tasks]})
    return tables


def printed_width_mm(layout: MapLayout, landscape: bool) -> float:
    """The map's printed width: full size when it fits, else shrunk to the page."""
    page = LANDSCAPE if landscape else PORTRAIT
    return round(layout.width * layout.scale_on(page) / PT_PER_MM, 1)


def _subtree_size(section: Section) -> int:
    return 1 + sum(_subtree_size(s) for s in section.subsections or [])


def place_after(document: Document) -> int:
    """Index, in the flattened section list, after which the map stands: the end of the last
    section that has steps (with its subsections)."""
    flat = walk_sections(document.sections)
    last = max(i for i, (section, _) in enumerate(flat) if section.steps)
    return last + _subtree_size(flat[last][0]) - 1


def flow_view(ctx: RenderContext) -> dict[str, Any] | None:
    """The map as a data: URI image with its alt text, and the table (None without steps)."""
    process = routine_process(ctx)
    if process is None:
        return None
    layout = layout_map(process)
    svg = map_svg(process, layout).encode("utf-8")
    landscape = needs_landscape(layout)
    return {
        "alt": summary(process),
        "src": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
        "svg": svg,
        "landscape": landscape,
        "width_mm": printed_width_mm(layout, landscape),
        "caption": CAPTION,
        "tables": flow_tables(process),
        "after_section": place_after(ctx.document),
    }

"""The main document as PDF/A-3a (tagged), and where its reserved signature area lies."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from builder.errors import RenderError
from builder.render import Artifact, RenderContext
from builder.render.document_view import APPROVAL_BOX_END_ID, APPROVAL_BOX_ID
from builder.render.html import document_html
from builder.render.weasy import PdfOptions, PdfResult, html_to_pdf

Rect = tuple[float, float, float, float]


def pdf_metadata(ctx: RenderContext, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Custom document-info entries (keys must be alphanumeric: WeasyPrint strips the rest).

    ``extra`` is the hook for later stages (e.g. the content hash the signer records): call
    :func:`document_pdf` with it.
    """
    doc = ctx.document
    metadata = {"RutinId": doc.id, "RutinVersion": doc.version, "RutinStatus": doc.status}
    metadata.update(extra or {})
    bad = [key for key in metadata if not key.isalnum() or not key.isascii()]
    if bad:
        raise ValueError(f"PDF metadata keys must be ASCII letters and digits, got {bad}")
    return metadata


def document_pdf(ctx: RenderContext, extra_metadata: Mapping[str, str] | None = None) -> PdfResult:
    """Render the routine; raise RenderError on any WeasyPrint warning or refused URL."""
    html = document_html(ctx, for_pdf=True)
    result = html_to_pdf(html, PdfOptions(metadata=pdf_metadata(ctx, extra_metadata)))
    problems = [f"WeasyPrint varnade: {w}" for w in result.warnings]
    problems += [f"otillåten adress hämtades inte: {url}" for url in result.refused_urls]
    if problems:
        raise RenderError(ctx.document.id, problems)
    return result


def render_pdf(ctx: RenderContext) -> list[Artifact]:
    """``<stem>.pdf``: the routine as an archival, tagged A4 PDF."""
    return [Artifact(f"{ctx.stem}.pdf", document_pdf(ctx).data)]


def _named_destinations(reader: Any) -> dict[str, Any]:
    """Flatten the catalog's /Names /Dests name tree (WeasyPrint writes one flat node)."""
    found: dict[str, Any] = {}
    names = reader.root.get("/Names")
    stack = [names.get("/Dests")] if names is not None and "/Dests" in names else []
    while stack:
        node = stack.pop()
        if node is None:
            continue
        node = node.get_object() if hasattr(node, "get_object") else node
        pairs = list(node.get("/Names", []))
        for key, value in zip(pairs[::2], pairs[1::2], strict=False):
            found[str(key)] = value.get_object() if hasattr(value, "get_object") else value
        stack.extend(kid.get_object() for kid in node.get("/Kids", []))
    return found


def approval_box(pdf_bytes: bytes) -> tuple[int, Rect]:
    """Where the visible signature stamp goes: (page index, (x1, y1, x2, y2)) in PDF points.

    Coordinates are PDF user space (origin lower left, y upwards), x1 < x2 and y1 < y2, as
    pyHanko's ``SigFieldSpec(box=...)`` expects. They are read from two named destinations
    the template writes: the box's upper left corner and a marker in its lower right corner.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    dests = _named_destinations(reader)
    if APPROVAL_BOX_ID not in dests or APPROVAL_BOX_END_ID not in dests:
        raise LookupError("the PDF has no reserved approval area (named destinations missing)")
    start, end = dests[APPROVAL_BOX_ID], dests[APPROVAL_BOX_END_ID]
    target = start.raw_get(0)
    page_index = _page_ids(reader.root.raw_get("/Pages")).index(target.idnum)
    x_left, y_top = float(start[2]), float(start[3])
    x_right, y_bottom = float(end[2]), float(end[3])
    return page_index, (x_left, y_bottom, x_right, y_top)


def _page_ids(node_ref: Any) -> list[int]:
    """Object numbers of the pages in document order (the page tree, depth first)."""
    node = node_ref.get_object()
    if node.get("/Type") == "/Page":
        return [int(node_ref.idnum)]
    kids = node["/Kids"]
    return [i for k in range(len(kids)) for i in _page_ids(kids.raw_get(k))]

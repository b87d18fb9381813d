"""The läskvittens: an A4 sheet where staff sign that they have read this version."""

from __future__ import annotations

from builder.render import Artifact, RenderContext
from builder.render.document_view import COPY_NOTICE
from builder.render.printables.common import (
    checked_pdf,
    document_head,
    render_template,
    validity_text,
)
from builder.text.wording import team_label

ROWS_PER_PAGE = 20
PAGES = 1  # one page of 20 signatures; a unit prints more copies when it fills up


def receipt_html(ctx: RenderContext, pages: int = PAGES) -> str:
    """The läskvittens as HTML, with ``pages`` pages of signature rows."""
    doc = ctx.document
    return render_template(
        "receipt.html.j2",
        doc=doc,
        rows=ROWS_PER_PAGE * pages,
        validity=validity_text(doc),
        team=team_label(ctx.routine, ctx.library),
        copy_notice=COPY_NOTICE,
        meta=document_head(doc, "Läskvittens", ctx.options.epoch),
    )


def render_receipt(ctx: RenderContext) -> list[Artifact]:
    """``<stem>-laskvittens.pdf``: title, version, validity and 20 rows to sign (PDF/A).

    Only for a routine in force (fastställd here or by another body): staff attest that they have read what applies,
    and a draft does not apply yet. A "för kännedom" receipt for drafts was the alternative;
    it would collect signatures nobody may act on, and a new version needs new ones anyway.
    """
    # A decision must be stated: a routine in use at the source whose decision the source does
    # not state gets no receipt until the region approves it itself (issue 23).
    if not ctx.document.has_decision:
        return []
    data = checked_pdf(ctx.document.id, receipt_html(ctx))
    return [Artifact(f"{ctx.stem}-laskvittens.pdf", data)]

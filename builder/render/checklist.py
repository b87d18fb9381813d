"""The bedside checklist: one row per step and alternative, A4 PDF/A, optionally fillable."""

from __future__ import annotations

from builder.render import Artifact, RenderContext
from builder.render.printables import (
    COPY_NOTICE,
    ChecklistRow,
    checklist_rows,
    document_head,
    render_template,
    team_label,
    validity_text,
)
from builder.render.weasy import PdfOptions, html_to_pdf

HEADER_FIELDS = (("patient", "Patient (initialer/ID)"), ("datum", "Datum"),
                 ("ansvarig", "Ansvarig"))


def checklist_html(ctx: RenderContext, rows: list[ChecklistRow], fillable: bool) -> str:
    doc = ctx.document
    return render_template(
        "checklist.html.j2",
        doc=doc,
        rows=rows,
        fillable=fillable,
        header_fields=HEADER_FIELDS,
        validity=validity_text(doc),
        team=team_label(ctx.routine, ctx.library),
        copy_notice=COPY_NOTICE,
        meta=document_head(doc, "Checklista", ctx.options.epoch),
    )


def render_checklist(ctx: RenderContext) -> list[Artifact]:
    """``<stem>-checklista.pdf`` (PDF/A), and with --ifyllbar a form-field twin.

    The fillable file cannot be PDF/A: WeasyPrint's form fields rely on /NeedAppearances,
    which PDF/A forbids, so it is a separate file and the printable one stays archival.
    Routines without steps get no checklist.
    """
    rows = checklist_rows(ctx.document)
    if not rows:
        return []
    printable = html_to_pdf(checklist_html(ctx, rows, fillable=False))
    artifacts = [Artifact(f"{ctx.stem}-checklista.pdf", printable.data)]
    if ctx.options.fillable:
        fillable = html_to_pdf(checklist_html(ctx, rows, fillable=True),
                               PdfOptions(variant=None, forms=True))
        artifacts.append(Artifact(f"{ctx.stem}-checklista-ifyllbar.pdf", fillable.data))
    return artifacts

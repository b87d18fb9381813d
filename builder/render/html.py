"""The main document as HTML: a Jinja2 environment over templates/ and the standalone web page."""

from __future__ import annotations

from functools import lru_cache

import jinja2
from markupsafe import Markup

from builder.paths import TEMPLATES_DIR
from builder.render import Artifact, RenderContext
from builder.render.document_view import document_view
from builder.render.flow.view import flow_view
from builder.text.wording import DRAFT_MARK

DOCUMENT_TEMPLATE = "document.html.j2"
# Shared base (fonts, colours, @page frame) first, then the document's own rules.
DOCUMENT_CSS = ("base.css", "document.css", "flow.css")


@lru_cache(maxsize=1)
def template_env() -> jinja2.Environment:
    """The one Jinja environment, for every template (documents, printed aids, index, redline).

    Autoescaped and strict: a missing value is an error, never an empty string in print.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["draft_mark"] = DRAFT_MARK
    return env


@lru_cache(maxsize=8)
def inline_files(names: tuple[str, ...]) -> Markup:
    """CSS or JS files from templates/, inlined: pages work offline, PDFs fetch nothing."""
    parts = [(TEMPLATES_DIR / name).read_text(encoding="utf-8") for name in names]
    # CSS never holds "</style" (our own files); Markup keeps Jinja from escaping quotes.
    return Markup("\n".join(parts))


def document_html(ctx: RenderContext, *, for_pdf: bool,
                  nav: list[tuple[str, str]] | None = None) -> str:
    """The routine as one HTML document; ``for_pdf`` keeps links relative in the PDF;
    ``nav``: (text, href) links above the page (the published page's way back)."""
    # The web page inlines its CSS (it works offline); the PDF links it, and html_to_pdf
    # serves the linked template stylesheets pre-parsed.
    css = Markup() if for_pdf else inline_files(DOCUMENT_CSS)
    view = document_view(ctx, for_pdf=for_pdf, css=css)
    view["flow"] = flow_view(ctx)  # issue 22: the swimlane map after the steps (None without)
    return template_env().get_template(DOCUMENT_TEMPLATE).render(
        view, stylesheets=DOCUMENT_CSS, nav=nav or [])


def page_links(ctx: RenderContext) -> list[tuple[str, str]]:
    """The published page's navigation (output/<group>/<id>/<stem>.html): the staff index,
    the document's fixed page (always the version in force) and this version's PDF."""
    links = [("Alla rutiner", "../../index.html"),
             ("Dokumentets fasta sida (gällande version)", "index.html")]
    if "pdf" in ctx.options.formats:
        links.append((f"PDF, version {ctx.document.version}", f"{ctx.stem}.pdf"))
    return links


def render_html(ctx: RenderContext) -> list[Artifact]:
    """``<stem>.html``: a standalone web page of the routine with inline CSS, with links to
    the index, its fixed page and its PDF."""
    html = document_html(ctx, for_pdf=False, nav=page_links(ctx))
    return [Artifact(f"{ctx.stem}.html", html.encode("utf-8"))]

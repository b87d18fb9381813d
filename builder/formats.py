"""The one list of output formats: names, renderers (as import paths) and labels.

Plain data with no imports of the project, so the options, the CLI and a no-op build can list
the formats without loading a renderer, and `render/` and `options.py` do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    """One output format: its renderer and what the CLI, the index and the manifest say of it."""

    renderer: str  # "module:function", imported on first use (WeasyPrint takes ~1 s)
    label: str  # link text on the index page
    aliases: tuple[str, ...] = ()  # other names `rutin build --format` accepts
    uses_templates: bool = True  # rendered from templates/: their digest is in the fingerprint
    signed: bool = False  # signed when the document is fastställd
    default: bool = True  # built when `rutin build` is not given --format


# The one list of formats, in the order the index links them and `--format` lists them.
RENDERERS: dict[str, Format] = {
    "pdf": Format("builder.render.pdf:render_pdf", "PDF", signed=True),
    "docx": Format("builder.render.word.document:render_docx", "Word",
                   uses_templates=False, signed=True),
    "checklista": Format("builder.render.printables.checklist:render_checklist", "Checklista",
                         aliases=("checklist",)),
    "fickkort": Format("builder.render.printables.pocketcard:render_pocketcard", "Fickkort",
                       aliases=("pocketcard",)),
    "laskvittens": Format("builder.render.printables.receipt:render_receipt", "Läskvittens",
                          aliases=("läskvittens",)),
    "html": Format("builder.render.html:render_html", "Webbsida"),
    # Issue 22: the swimlane map of the steps (SVG), and exports other tools read. The exports
    # are built only when asked for (`--format bpmn,fhir`); the index then links them.
    "flode": Format("builder.render.flow.formats:render_flow", "Flöde",
                    aliases=("flöde", "flow"), uses_templates=False),
    "bpmn": Format("builder.render.flow.formats:render_bpmn", "BPMN", uses_templates=False,
                   default=False),
    "fhir": Format("builder.render.flow.formats:render_fhir", "FHIR PlanDefinition",
                   uses_templates=False, default=False),
}

"""Renderers: one function per output format, each turning a routine into files (bytes).

Renderers never write: they return Artifacts, and the pipeline writes them atomically only
after everything rendered. Heavy libraries (WeasyPrint, python-docx) are imported lazily so
`rutin check` stays fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from builder.load.library import Library, RoutineFile
from builder.model import Arbetsrutin, Document
from builder.options import BuildOptions


def group_id(document: Document) -> str:
    """The samverkansrutin a document belongs to: its output folder under output/."""
    return document.parent if isinstance(document, Arbetsrutin) else document.id


def output_folder(document: Document) -> str:
    """A document's output folder relative to output/: ``<samverkansrutin-id>/<id>``."""
    return f"{group_id(document)}/{document.id}"


@dataclass(frozen=True)
class RenderContext:
    routine: RoutineFile
    library: Library
    options: BuildOptions

    @property
    def document(self):  # type: ignore[no-untyped-def]
        return self.routine.document

    @property
    def group_id(self) -> str:
        """The samverkansrutin an output belongs to (its folder under output/)."""
        return group_id(self.routine.document)

    @property
    def stem(self) -> str:
        """File name stem carrying the version: ``<id>-v<version>``."""
        return f"{self.routine.document.id}-v{self.routine.document.version}"


@dataclass(frozen=True)
class Artifact:
    """One output file: a name relative to the document's output folder, and its bytes."""

    filename: str
    data: bytes


Renderer = Callable[[RenderContext], list[Artifact]]

# format name -> "module:function"; modules are imported on first use.
RENDERER_PATHS: dict[str, str] = {}
RENDERER_PATHS["pdf"] = "builder.render.pdf:render_pdf"
RENDERER_PATHS["html"] = "builder.render.html:render_html"
RENDERER_PATHS["docx"] = "builder.render.word.document:render_docx"
RENDERER_PATHS["checklista"] = "builder.render.printables.checklist:render_checklist"
RENDERER_PATHS["fickkort"] = "builder.render.printables.pocketcard:render_pocketcard"
RENDERER_PATHS["laskvittens"] = "builder.render.printables.receipt:render_receipt"


def get_renderer(fmt: str) -> Renderer:
    module_name, function_name = RENDERER_PATHS[fmt].split(":")
    module = importlib.import_module(module_name)
    renderer: Renderer = getattr(module, function_name)
    return renderer


@dataclass(frozen=True)
class DocumentOutputs:
    """What a build produced for one routine, for the index page and the manifest."""

    routine: RoutineFile
    folder: str  # relative to output/: "<samverkansrutin-id>/<document-id>"
    files: dict[str, tuple[str, ...]]  # format -> file paths relative to output/

"""Renderers: one function per output format, each turning a routine into files (bytes).

Renderers never write: they return Artifacts, and the pipeline writes them atomically only
after everything rendered. Heavy libraries (WeasyPrint, python-docx) are imported lazily so
`rutin check` stays fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from builder.formats import RENDERERS as RENDERERS
from builder.formats import Format as Format

if TYPE_CHECKING:
    from builder.load.library import Library, RoutineFile
    from builder.model import Document
    from builder.options import BuildOptions


def group_id(document: Document) -> str:
    """The samverkansrutin a document belongs to: its output folder under output/."""
    # Imported here: a no-op `rutin build` reads RENDERERS without loading the model (pydantic).
    from builder.model import Arbetsrutin

    return document.parent if isinstance(document, Arbetsrutin) else document.id


def output_folder(document: Document) -> str:
    """A document's output folder relative to output/: ``<samverkansrutin-id>/<id>``."""
    return f"{group_id(document)}/{document.id}"


@dataclass(frozen=True)
class RenderContext:
    """What every renderer gets: the routine, the library it belongs to and the build options."""

    routine: RoutineFile
    library: Library
    options: BuildOptions
    document: Document = field(init=False, repr=False)  # the routine's, typed for renderers

    def __post_init__(self) -> None:
        object.__setattr__(self, "document", self.routine.document)

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

def format_named(name: str) -> str | None:
    """The format a `--format` name (or an alias of it) means; None when there is none."""
    for fmt, spec in RENDERERS.items():
        if name == fmt or name in spec.aliases:
            return fmt
    return None


def get_renderer(fmt: str) -> Renderer:
    """The render function of ``fmt``, importing its module on first use."""
    module_name, function_name = RENDERERS[fmt].renderer.split(":")
    module = importlib.import_module(module_name)
    renderer: Renderer = getattr(module, function_name)
    return renderer


@dataclass(frozen=True)
class DocumentOutputs:
    """What a build produced for one routine, for the index page and the manifest."""

    routine: RoutineFile
    folder: str  # relative to output/: "<samverkansrutin-id>/<document-id>"
    files: dict[str, tuple[str, ...]]  # format -> file paths relative to output/
    earlier: str | None = None  # files of this earlier version of the routine, kept on disk

"""Fingerprints: everything one output depends on, hashed, so a rebuild renders only what changed.

A plan fingerprints every (document, format) pair, 1,206 of them for 200 routines: what a
routine shows (its own content and the parts of its relatives it prints) is dumped and hashed
once per routine, and each format adds only its own few settings to that digest.
"""

from __future__ import annotations

from typing import Any

from builder.governance.ledger import last_evaluated
from builder.governance.lifecycle import in_force_marker
from builder.load.library import Library, RoutineFile
from builder.model import Arbetsrutin, Samverkansrutin
from builder.options import BuildOptions
from builder.publish.manifest import digest, tool_digest
from builder.render import RENDERERS
from builder.text.dates import has_expired


def _summary(routine: RoutineFile) -> dict[str, Any]:
    doc = routine.document
    return {"id": doc.id, "titel": doc.title, "version": doc.version, "status": doc.status,
            "team": getattr(doc, "team", None)}


def dependency_view(routine: RoutineFile, library: Library,
                    children: dict[str, list[RoutineFile]] | None = None) -> dict[str, Any]:
    """Everything in the library a routine's documents show: itself, plus only the parts of
    its relatives that appear in it (a child's title and version in the Bilagor list, the
    parent's glossary), so editing one arbetsrutin does not rebuild its siblings or parent.

    ``children`` (parent id → its arbetsrutiner, in library order) saves a pass over the
    library per samverkansrutin; without it the library is searched."""
    doc = routine.document
    view: dict[str, Any] = {"document": doc.model_dump(mode="json", by_alias=True)}
    if doc.is_approved:  # "Senast utvärderad" comes from the ledger (rutin utvärdera)
        evaluated = last_evaluated(routine.path.parent, doc.id)
        view["senast_utvärderad"] = evaluated.isoformat() if evaluated else None
    if isinstance(doc, Samverkansrutin):
        kids = children.get(doc.id, []) if children is not None else [
            r for r in library.arbetsrutiner
            if isinstance(r.document, Arbetsrutin) and r.document.parent == doc.id]
        view["children"] = [_summary(r) for r in kids]
    if isinstance(doc, Arbetsrutin):
        parent = library.by_id(doc.parent)
        if parent is not None and isinstance(parent.document, Samverkansrutin):
            view["parent"] = {**_summary(parent),
                              "begrepp": parent.document.glossary,
                              "team": [t.model_dump(mode="json", by_alias=True)
                                       for t in parent.document.teams]}
    return view


class Fingerprints:
    """The fingerprints of one build's outputs; each routine's inputs are hashed once."""

    def __init__(self, library: Library, options: BuildOptions, templates: str,
                 signer: str) -> None:
        self.library = library
        self.options = options
        self.templates = templates
        self.signer = signer
        organisation = library.organisation
        self.organisation = digest(organisation.model_dump(mode="json", by_alias=True)
                                   if organisation is not None else None)
        self.children: dict[str, list[RoutineFile]] = {}
        for r in library.routines:
            if isinstance(r.document, Arbetsrutin):
                self.children.setdefault(r.document.parent, []).append(r)
        self._inputs: dict[str, str] = {}

    def inputs(self, routine: RoutineFile) -> str:
        """The digest of what the routine's documents show (see dependency_view)."""
        key = self.library.unit_key(routine)
        if key not in self._inputs:
            view = dependency_view(routine, self.library, self.children)
            view["organisation"] = self.organisation
            if routine.document.is_draft:  # a draft names the version in force beside it
                view["in_force"] = in_force_marker(self.library, routine.document.id,
                                                   self.options.today)
            self._inputs[key] = digest(view)
        return self._inputs[key]

    def of(self, routine: RoutineFile, fmt: str) -> str:
        """Everything one output depends on, hashed: equal prints mean the output is current."""
        doc = routine.document
        spec = RENDERERS[fmt]
        return digest({
            "inputs": self.inputs(routine),
            "format": fmt,
            "templates": self.templates if spec.uses_templates else None,
            "tool": tool_digest(),
            "fillable": self.options.fillable if fmt == "checklista" else None,
            "expired": has_expired(doc.valid_to, self.options.today),  # the banner's date
            "epoch": self.options.epoch,
            "signer": self.signer if doc.is_approved and spec.signed else None,
        })


def fingerprint(routine: RoutineFile, library: Library, fmt: str, options: BuildOptions,
                templates: str, signer: str) -> str:
    """One output's fingerprint (a plan uses Fingerprints, which hashes each routine once)."""
    return Fingerprints(library, options, templates, signer).of(routine, fmt)

"""The `flode`, `bpmn` and `fhir` formats: one file per routine that has steps (none without)."""

from __future__ import annotations

from builder.process import Process, process_of
from builder.render import Artifact, RenderContext


def routine_process(ctx: RenderContext) -> Process | None:
    """The routine's process, or None when it has no steps (no map, no export)."""
    process = process_of(ctx.document, ctx.library)
    return process if process.tasks else None


def render_flow(ctx: RenderContext) -> list[Artifact]:
    """``<stem>-flode.svg``: the swimlane map of the routine's steps."""
    from builder.render.flow.svg import map_svg

    process = routine_process(ctx)
    if process is None:
        return []
    return [Artifact(f"{ctx.stem}-flode.svg", map_svg(process).encode("utf-8"))]


def render_bpmn(ctx: RenderContext) -> list[Artifact]:
    """``<stem>.bpmn``: BPMN 2.0 XML with diagram interchange from the map's layout."""
    from builder.render.flow.bpmn import process_bpmn

    process = routine_process(ctx)
    if process is None:
        return []
    return [Artifact(f"{ctx.stem}.bpmn", process_bpmn(process))]


def render_fhir(ctx: RenderContext) -> list[Artifact]:
    """``<stem>-plandefinition.json``: a FHIR R5 PlanDefinition (workflow-definition); every
    routine has one, so a samverkansrutin without steps still names its arbetsrutiner."""
    from builder.render.flow.fhir import plan_definition_json

    return [Artifact(f"{ctx.stem}-plandefinition.json", plan_definition_json(ctx.document,
                                                                            ctx.library))]

"""`rutin export ID --bpmn|--fhir|--mermaid`: a routine's steps in a format other tools read."""

from __future__ import annotations

from pathlib import Path

import click

from builder.cli import cli, library_option
from builder.write import write_atomic

SUFFIX = {"bpmn": ".bpmn", "fhir": "-plandefinition.json", "mermaid": ".mmd"}


@cli.command()
@click.argument("doc_id", metavar="ID")
@click.option("--bpmn", "kind", flag_value="bpmn", help="BPMN 2.0 XML (bpmn.io, Camunda Modeler).")
@click.option("--fhir", "kind", flag_value="fhir",
              help="HL7 FHIR R5 PlanDefinition (workflow-definition) som JSON.")
@click.option("--mermaid", "kind", flag_value="mermaid",
              help="Mermaid-flödesschema med en subgraph per part (för wikisidor).")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path, dir_okay=False),
              default=None, metavar="FIL",
              help="Fil att skriva (standard: <id><ändelse>; '-' skriver ut).")
@library_option()
@click.pass_context
def export(ctx: click.Context, doc_id: str, kind: str | None, output: Path | None,
           root: Path) -> int:
    """Exportera rutinen ID:s steg som BPMN, FHIR eller Mermaid."""
    from builder.load.library import load_library
    from builder.process import process_of

    if kind is None:
        raise click.UsageError("ange ett format: --bpmn, --fhir eller --mermaid")
    library, _ = load_library(root)
    routine = library.by_id(doc_id)
    if routine is None:
        known = ", ".join(sorted(r.document.id for r in library.routines)) or "inga"
        # An id that does not exist is a usage error (exit 2), as in approve and diff.
        raise click.UsageError(f"det finns ingen rutin med id '{doc_id}' i {root} "
                               f"(finns: {known})")
    process = process_of(routine.document, library)
    if kind != "fhir" and not process.tasks:
        click.echo(f"fel: rutinen '{doc_id}' har inga steg att exportera som {kind.upper()}",
                   err=True)
        ctx.exit(1)
        return 1
    data = _export(kind, routine.document, library, process)
    if output is not None and str(output) == "-":
        click.echo(data.decode("utf-8"), nl=False)
    else:
        target = output or Path(f"{doc_id}{SUFFIX[kind]}")
        write_atomic(target, data)
        click.echo(f"Skrev {target}")
    ctx.exit(0)
    return 0


def _export(kind: str, document: object, library: object, process: object) -> bytes:
    if kind == "bpmn":
        from builder.render.flow.bpmn import process_bpmn

        return process_bpmn(process)  # type: ignore[arg-type]
    if kind == "fhir":
        from builder.render.flow.fhir import plan_definition_json

        return plan_definition_json(document, library)  # type: ignore[arg-type]
    from builder.render.flow.mermaid import process_mermaid

    return process_mermaid(process).encode("utf-8")  # type: ignore[arg-type]

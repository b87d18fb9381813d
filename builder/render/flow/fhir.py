"""The routine as an HL7 FHIR R5 PlanDefinition (workflow-definition), built with fhir.resources.

The mapping (CPG implementation guide's reading of a PlanDefinition):
- party → ``actor`` (careteam for a team the samverkansrutin lists, healthcareservice for any
  other named party, no type for "Ej angivet") and each action's ``participant``;
- step → ``action`` (prefix "1", title, the full text as description and textEquivalent);
- order → ``relatedAction`` (after-end of the previous action in the same step list);
- alternatives → a group action whose sub-actions carry their ``villkor`` as applicability
  conditions (text/plain expressions: the source states them in words, not as logic);
- ``när`` → ``timingTiming.code.text`` (a time in words, not a machine-readable schedule);
- a samverkansrutin is the parent definition: it lists each arbetsrutin as ``composed-of``
  and each arbetsrutin names it as ``part-of``.
fhir.resources validates the resource as it is built (pydantic); the JSON is written with
sorted keys so the same routine gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from builder.load.library import Library
from builder.model import Arbetsrutin, Document, Samverkansrutin
from builder.process import Choice, Party, Process, Task, node_id, process_of
from builder.render.flow.layout import plain

PLAN_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
STATUS = {"utkast": "draft", "granskning": "draft", "fastställd": "active",
          "fastställd_annan_instans": "active", "upphävd": "retired"}
ACTOR_TYPE = {"team": "careteam", "other": "healthcareservice"}


def canonical(document: Document, library: Library) -> str:
    """The definition's canonical URL: under the publication address when there is one."""
    organisation = library.organisation
    base = organisation.publication_url if organisation else None
    if base:
        return f"{base.rstrip('/')}/fhir/PlanDefinition/{document.id}"
    return f"urn:rutinbyggaren:plandefinition:{document.id}"


def _computable_name(document: Document) -> str:
    # cnl-0: a name starts with a capital and holds letters, digits and _ only.
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in document.id).split()
    return "".join(w.capitalize() for w in words) or "Rutin"


def _actor(party: Party) -> dict[str, Any]:
    option: dict[str, Any] = {"role": {"text": party.label}}
    if party.kind in ACTOR_TYPE:
        option["type"] = ACTOR_TYPE[party.kind]
    actor: dict[str, Any] = {"id": _actor_id(party), "title": party.label, "option": [option]}
    if party.team_name:
        actor["description"] = party.team_name
    return actor


def _actor_id(party: Party) -> str:
    return "".join(c if c.isalnum() or c == "-" else "-" for c in party.key)


def _participant(party: Party) -> dict[str, Any]:
    participant: dict[str, Any] = {"actorId": _actor_id(party), "role": {"text": party.label}}
    if party.kind in ACTOR_TYPE:
        participant["type"] = ACTOR_TYPE[party.kind]
    return participant


def _fhir_id(node: Task | Choice) -> str:
    # FHIR ids are [A-Za-z0-9-.]: the XML id with dashes ("Steg-2-1-0").
    return node_id(node).replace("_", "-")


def _task_action(task: Task) -> dict[str, Any]:
    text = plain(task.text)
    action: dict[str, Any] = {
        "id": _fhir_id(task),
        "prefix": task.number,
        "title": text if len(text) <= 80 else text[:79].rstrip() + "…",
        "description": text,
        "textEquivalent": f"{task.party.label}: {text}",
        "participant": [_participant(task.party)],
    }
    if task.condition:
        action["condition"] = [{"kind": "applicability", "expression": {
            "language": "text/plain", "expression": plain(task.condition)}}]
    if task.when:
        action["timingTiming"] = {"code": {"text": plain(task.when)}}
    if task.notes:
        action["documentation"] = [{"type": "documentation", "display": f"Observera: {plain(n)}"}
                                   for n in task.notes]
    return action


def _actions(process: Process) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    for flow in process.flows:
        previous: str | None = None
        for node in flow.nodes:
            if isinstance(node, Choice):
                action: dict[str, Any] = {
                    "id": _fhir_id(node), "prefix": node.number,
                    "title": f"Steg {node.number}: välj det som gäller",
                    # "any": the source does not say that the conditions exclude each other
                    # (Kungälv's 2c "Vid behov" may apply beside 2a).
                    "groupingBehavior": "logical-group", "selectionBehavior": "any",
                    "action": [_task_action(t) for t in node.tasks]}
            else:
                action = _task_action(node)
            if previous is not None:
                action["relatedAction"] = [{"targetId": previous, "relationship": "after-end"}]
            previous = action["id"]
            actions.append(action)
    return actions


def _related(document: Document, library: Library) -> list[dict[str, Any]]:
    if isinstance(document, Arbetsrutin):
        parent = library.by_id(document.parent)
        if parent is None:
            return []
        return [{"type": "part-of", "display": parent.document.title,
                 "resource": canonical(parent.document, library)}]
    if isinstance(document, Samverkansrutin):
        return [{"type": "composed-of", "display": r.document.title,
                 "resource": canonical(r.document, library)}
                for r in library.arbetsrutiner
                if r.document.parent == document.id]  # type: ignore[attr-defined]
    return []


def plan_definition(document: Document, library: Library) -> Any:
    """The PlanDefinition (a validated fhir.resources model)."""
    from fhir.resources.plandefinition import PlanDefinition

    process = process_of(document, library)
    organisation = document.organisation or (library.organisation.name
                                             if library.organisation else None)
    data: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": document.id,
        "url": canonical(document, library),
        "version": document.version,
        "name": _computable_name(document),
        "title": document.title,
        "type": {"coding": [{"system": PLAN_TYPE_SYSTEM, "code": "workflow-definition",
                             "display": "Workflow Definition"}]},
        "status": STATUS[document.status],
        "language": "sv-SE",
    }
    if organisation:
        data["publisher"] = organisation
    if document.approval_date:
        data["approvalDate"] = document.approval_date.isoformat()
    related = _related(document, library)
    if related:
        data["relatedArtifact"] = related
    if process.lanes:
        data["actor"] = [_actor(p) for p in process.lanes]
    actions = _actions(process)
    if actions:
        data["action"] = actions
    return PlanDefinition.model_validate(data)


def plan_definition_json(document: Document, library: Library) -> bytes:
    """The PlanDefinition as JSON (UTF-8, sorted keys, same bytes for the same routine)."""
    resource = plan_definition(document, library)
    data = json.loads(resource.model_dump_json(exclude_none=True))
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def steps_from_plan(data: dict[str, Any]) -> list[dict[str, str | None]]:
    """The step list a PlanDefinition describes (number, party, condition, text, when), in the
    order its relatedAction chain gives: the reading an importing system would make."""
    by_id = {a["id"]: a for a in data.get("action", [])}
    follows = {a["id"]: a["relatedAction"][0]["targetId"] for a in by_id.values()
               if a.get("relatedAction")}
    starts = [a for a in by_id if a not in follows]
    order: list[str] = []
    for start in starts:
        current: str | None = start
        while current is not None:
            order.append(current)
            current = next((a for a, before in follows.items() if before == current), None)
    steps: list[dict[str, str | None]] = []
    for action_id in order:
        action = by_id[action_id]
        for item in action.get("action", [action]):
            condition = item.get("condition", [{}])[0].get("expression", {}).get("expression")
            steps.append({
                "number": item["prefix"],
                "party": item["participant"][0]["role"]["text"],
                "condition": condition,
                "text": item["description"],
                "when": item.get("timingTiming", {}).get("code", {}).get("text"),
            })
    return steps

"""The routine's steps as BPMN 2.0 XML (bpmn.io, Camunda Modeler): lanes, tasks, gateways, DI.

One pool (the routine) with one laneSet (a lane per party, "Ej angivet" included), a task per
step and alternative (the full text in its documentation), an exclusive gateway where a step
splits into alternatives (each branch's condition on its sequence flow) and diagram interchange
from the same grid as the map, all step lists side by side in one row. Separate step lists are
not joined. Written with lxml; tests validate it against the OMG XSDs in tests/bpmn/xsd.
"""

from __future__ import annotations

from lxml import etree  # type: ignore[import-untyped]

from builder.process import Choice, Process, Task, node_id
from builder.render.flow.layout import GATE_SIZE, MapLayout, layout_one_row, plain

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI}
TARGET_NAMESPACE = "urn:rutinbyggaren:rutin"
POOL_LABEL = 30.0  # the pool's name band on the left, as bpmn.io draws it
NAME_CHARS = 120  # a task's name; the whole text is its documentation


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _name(task: Task) -> str:
    text = plain(task.text)
    prefix = f"{task.number}. " if task.kind == "steg" else f"{task.number}) "
    short = text if len(text) <= NAME_CHARS else text[:NAME_CHARS - 1].rstrip() + "…"
    return prefix + short


def _documentation(task: Task) -> str:
    lines = [plain(task.text)]
    if task.condition:
        lines.insert(0, f"Villkor: {plain(task.condition)}")
    lines.append(f"Ansvarig: {task.party.label}")
    if task.when:
        lines.append(f"När: {plain(task.when)}")
    lines += [f"Observera: {plain(note)}" for note in task.notes]
    return "\n".join(lines)


def _lane_id(key: str) -> str:
    return "Lane_" + "".join(c if c.isalnum() else "_" for c in key)


def _semantics(process: Process, root: etree._Element, ids: str) -> etree._Element:
    collaboration = etree.SubElement(root, _q(BPMN, "collaboration"), id=f"Collaboration_{ids}")
    etree.SubElement(collaboration, _q(BPMN, "participant"), id=f"Participant_{ids}",
                     name=process.title, processRef=f"Process_{ids}")
    bpmn_process = etree.SubElement(root, _q(BPMN, "process"), id=f"Process_{ids}",
                                    isExecutable="false")
    lane_set = etree.SubElement(bpmn_process, _q(BPMN, "laneSet"), id=f"LaneSet_{ids}")
    members = _lane_members(process)
    for lane in process.lanes:
        element = etree.SubElement(lane_set, _q(BPMN, "lane"), id=_lane_id(lane.key),
                                   name=lane.label)
        for member in members[lane.key]:
            etree.SubElement(element, _q(BPMN, "flowNodeRef")).text = member
    for flow in process.flows:
        for node in flow.nodes:
            if isinstance(node, Choice):
                etree.SubElement(bpmn_process, _q(BPMN, "exclusiveGateway"), id=node_id(node),
                                 name=f"Steg {node.number}")
            for task in node.tasks if isinstance(node, Choice) else (node,):
                element = etree.SubElement(bpmn_process, _q(BPMN, "task"), id=node_id(task),
                                           name=_name(task))
                etree.SubElement(element, _q(BPMN, "documentation")).text = _documentation(task)
    return bpmn_process



def _lane_members(process: Process) -> dict[str, list[str]]:
    """Each lane's flow nodes: its tasks, and the gateways the map draws in it."""
    members: dict[str, list[str]] = {lane.key: [] for lane in process.lanes}
    gate_lanes = _gate_lanes(process)
    for flow in process.flows:
        for node in flow.nodes:
            if isinstance(node, Choice):
                members[gate_lanes[node_id(node)]].append(node_id(node))
            for task in node.tasks if isinstance(node, Choice) else (node,):
                members[task.party.key].append(node_id(task))
    return members


def _gate_lanes(process: Process) -> dict[str, str]:
    layout = layout_one_row(process)
    return {gate.id: gate.lane for gate in layout.gates}


def _flows(bpmn_process: etree._Element, layout: MapLayout,
           tasks: dict[str, Task]) -> list[tuple[str, tuple[tuple[float, float], ...]]]:
    """A sequence flow per arrow of the one-row map (conditions on a gateway's branches)."""
    edges = []
    for index, arrow in enumerate(layout.arrows, start=1):
        flow_id = f"Flode_{index}"
        element = etree.SubElement(bpmn_process, _q(BPMN, "sequenceFlow"), id=flow_id,
                                   sourceRef=arrow.source, targetRef=arrow.target)
        target = tasks.get(arrow.target)
        if arrow.source.startswith("Val_") and target is not None and target.condition:
            condition = plain(target.condition)
            element.set("name", condition)
            expression = etree.SubElement(element, _q(BPMN, "conditionExpression"))
            expression.set(_q(XSI, "type"), "bpmn:tFormalExpression")
            expression.text = condition
        edges.append((flow_id, arrow.points))
    return edges


def _shape(plane: etree._Element, element: str, x: float, y: float, w: float, h: float,
           **extra: str) -> None:
    shape = etree.SubElement(plane, _q(BPMNDI, "BPMNShape"), id=f"{element}_di",
                             bpmnElement=element, **extra)
    etree.SubElement(shape, _q(DC, "Bounds"), x=_n(x + POOL_LABEL), y=_n(y), width=_n(w),
                     height=_n(h))


def process_bpmn(process: Process) -> bytes:
    """The BPMN 2.0 document (UTF-8 bytes; the same process gives the same bytes)."""
    layout = layout_one_row(process)
    ids = "".join(c if c.isalnum() else "_" for c in process.document_id)
    root = etree.Element(_q(BPMN, "definitions"), nsmap=NSMAP, id=f"Definitions_{ids}",
                         targetNamespace=TARGET_NAMESPACE, exporter="Rutinbyggaren",
                         exporterVersion="1")
    bpmn_process = _semantics(process, root, ids)
    tasks = {node_id(t): t for t in process.tasks}
    edges = _flows(bpmn_process, layout, tasks)
    diagram = etree.SubElement(root, _q(BPMNDI, "BPMNDiagram"), id=f"Diagram_{ids}",
                               name=process.title)
    plane = etree.SubElement(diagram, _q(BPMNDI, "BPMNPlane"), id=f"Plane_{ids}",
                             bpmnElement=f"Collaboration_{ids}")
    _shape(plane, f"Participant_{ids}", -POOL_LABEL, 0.0, layout.width + POOL_LABEL,
           layout.height, isHorizontal="true")
    for lane in layout.lanes:
        rect = lane.rect
        _shape(plane, _lane_id(lane.party.key), rect.x, rect.y, rect.w, rect.h,
               isHorizontal="true")
    for gate in layout.gates:
        _shape(plane, gate.id, gate.cx - GATE_SIZE / 2, gate.cy - GATE_SIZE / 2, GATE_SIZE,
               GATE_SIZE, isMarkerVisible="true")
    for box in layout.boxes:
        _shape(plane, node_id(box.task), box.box.x, box.box.y, box.box.w, box.box.h)
    for flow_id, points in edges:
        edge = etree.SubElement(plane, _q(BPMNDI, "BPMNEdge"), id=f"{flow_id}_di",
                                bpmnElement=flow_id)
        for x, y in points:
            etree.SubElement(edge, _q(DI, "waypoint"), x=_n(x + POOL_LABEL), y=_n(y))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True))

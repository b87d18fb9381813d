"""The routine's steps as a Mermaid flowchart for wikis: one subgraph per lane (party)."""

from __future__ import annotations

from builder.process import Choice, Process, Task, node_id
from builder.render.flow.layout import plain


def _label(text: str) -> str:
    # Mermaid's quoted labels: a double quote is written as an entity, # too (its escape).
    return text.replace("#", "#35;").replace('"', "#quot;")


def _task_node(task: Task) -> str:
    text = plain(task.text)
    if task.when:
        text += f" (När: {plain(task.when)})"
    return f'{node_id(task)}["{_label(f"{task.number}. {text}")}"]'


def process_mermaid(process: Process) -> str:
    """``flowchart LR`` with a subgraph per lane, a rhombus per choice and the conditions on
    the branches; separate step lists are not joined."""
    lines = ["flowchart LR"]
    gates = {node_id(node): node for flow in process.flows for node in flow.nodes
             if isinstance(node, Choice)}
    for index, lane in enumerate(process.lanes, start=1):
        lines.append(f'  subgraph bana{index}["{_label(lane.label)}"]')
        lines.append("    direction LR")
        for task in process.tasks:
            if task.party.key == lane.key:
                lines.append(f"    {_task_node(task)}")
        lines.append("  end")
    for gate_id, gate in gates.items():
        lines.append(f'  {gate_id}{{"{_label(f"Steg {gate.number}")}"}}')
    for flow in process.flows:
        previous: list[str] = []
        for node in flow.nodes:
            if isinstance(node, Choice):
                gate_id = node_id(node)
                lines += [f"  {source} --> {gate_id}" for source in previous]
                for task in node.tasks:
                    condition = plain(task.condition) if task.condition else "annars"
                    lines.append(f'  {gate_id} -->|"{_label(condition)}"| {node_id(task)}')
                previous = [node_id(t) for t in node.tasks]
            else:
                lines += [f"  {source} --> {node_id(node)}" for source in previous]
                previous = [node_id(node)]
    return "\n".join(lines) + "\n"

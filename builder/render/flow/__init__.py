"""The routine's steps as a process: swimlane map (SVG), BPMN 2.0, FHIR PlanDefinition, Mermaid."""

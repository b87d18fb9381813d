"""Loading: safe YAML, validation into the model, the library of routine files."""

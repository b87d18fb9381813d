"""Authoring aids: scaffolds for new routines and the editor JSON Schema."""

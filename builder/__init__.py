"""Rutinbyggaren: Swedish healthcare collaboration routines as code."""

__version__ = "0.1.0"

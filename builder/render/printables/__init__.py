"""Printables derived from a routine: checklist, pocket card, card sheet, reading receipt."""

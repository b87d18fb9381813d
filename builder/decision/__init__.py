"""Decisions by samordningsgruppen: the review packet and recording an approval."""

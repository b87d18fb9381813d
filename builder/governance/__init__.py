"""Governance state, read-only: the ledger, review schedule, status and version diffs."""

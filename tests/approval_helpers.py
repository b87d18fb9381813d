"""Shared test step: the author bumps the Kungälv routine to 1.1 and samordningsgruppen approves it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from builder.decision.approve import ApprovalOutcome, ApprovalRequest, approve

KUNGALV = "kungalv-insatser-i-hemmet"
ROOT = Path(__file__).resolve().parents[1]


def shipped_workspace(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped routines in ``folder``, the working folder, with a user cache of
    its own and no signing key configured."""
    shutil.copytree(ROOT / "routines", folder / "routines")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder / "cache"))
    monkeypatch.delenv("RUTIN_SIGN_P12", raising=False)
    return folder


def approve_kungalv_1_1(routines: Path, body: str = "Samordningsgruppen") -> ApprovalOutcome:
    """Version 1.1 with a change summary, giltig_från left for the decision to set."""
    path = routines / KUNGALV / "samverkansrutin.yaml"
    text = path.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"', 1)
    text = text.replace("ändringar:\n", 'ändringar:\n  - {version: "1.1", datum: 2026-09-01, '
                        "beskrivning: Förtydligat steg 4.}\n", 1)
    path.write_text(text.replace("giltig_från: 2026-06-01\n", ""), encoding="utf-8")
    return approve(routines, ApprovalRequest(KUNGALV, body, dt.date(2026, 9, 1), "2026-09-01 § 2"))

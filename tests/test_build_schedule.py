"""The build's pool renders the longest jobs first, so no worker idles while one finishes."""

from __future__ import annotations

from pathlib import Path

from builder.load.library import load_library
from builder.options import BuildOptions
from builder.publish.run import expected_cost, schedule

ROOT = Path(__file__).resolve().parents[1]


def test_main_pdfs_of_the_largest_routines_come_first_and_web_pages_last() -> None:
    library, _ = load_library(ROOT / "routines")
    options = BuildOptions()
    ids = sorted(r.document.id for r in library.routines)
    jobs = [(doc_id, fmt) for doc_id in ids for fmt in ("html", "fickkort", "pdf", "checklista")]
    ordered = schedule(jobs, library, options)
    assert sorted(ordered) == sorted(jobs)  # every job once
    costs = [expected_cost(job, library, options) for job in ordered]
    assert costs == sorted(costs, reverse=True)
    largest = max(library.routines, key=lambda r: len(r.source.text)).document.id
    assert ordered[0] == (largest, "pdf")
    assert {fmt for _, fmt in ordered[-len(ids):]} == {"html"}


def test_the_same_job_costs_more_as_a_pdf_than_as_a_checklist_card_or_web_page() -> None:
    library, _ = load_library(ROOT / "routines")
    options = BuildOptions()
    doc_id = library.routines[0].document.id
    costs = [expected_cost((doc_id, fmt), library, options)
             for fmt in ("pdf", "checklista", "fickkort", "html")]
    assert costs == sorted(costs, reverse=True) and len(set(costs)) == 4

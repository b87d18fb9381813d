"""Shared wording and text helpers every stage uses: Swedish dates, phone numbers, Markdown,
typography and the one vocabulary (status labels, draft wording) every output shares."""

"""The Word (DOCX) renderer: document, blocks, Markdown runs and raw OOXML helpers."""

"""Publishing a build's generation whole: staged files, a publish record, renames, recovery.

Every new file (outputs, index pages, the manifest) is first written to
``output/.rutin-staging/``; a publish record listing them is written atomically; then each file
is renamed into place (the manifest last) and the record removed. A build killed before the
record exists leaves ``output/`` as it was; one killed after it has its publish finished by the
next build, before anything else. Standard library only: a no-op build recovers with it too.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from builder.locking import kill_point
from builder.publish.manifest import MANIFEST_NAME, FileStamp, stamp_file
from builder.write import write_atomic

STAGING_DIR = ".rutin-staging"
PUBLISH_RECORD = ".rutin-publish.json"


class Staging:
    """The generation being built: files in output/.rutin-staging/, published in one step."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.folder = output / STAGING_DIR
        self.files: list[str] = []
        shutil.rmtree(self.folder, ignore_errors=True)

    def write(self, relative: str, data: bytes) -> FileStamp:
        """Stage one file (atomically) and return its stamp for the manifest."""
        target = self.folder / relative
        write_atomic(target, data)
        self.files.append(relative)
        return stamp_file(target)

    def publish(self) -> None:
        """Record the file list, then rename each into place, the manifest last."""
        kill_point("build:publish-record")
        ordered = sorted(self.files, key=lambda f: f == MANIFEST_NAME)
        write_atomic(self.output / PUBLISH_RECORD,
                     json.dumps({"files": ordered}, ensure_ascii=False).encode("utf-8"))
        finish_publish(self.output)


def finish_publish(output: Path) -> bool:
    """Move every staged file of a recorded generation into place; True if there was one."""
    record = output / PUBLISH_RECORD
    staging = output / STAGING_DIR
    if not record.is_file():
        shutil.rmtree(staging, ignore_errors=True)  # never published: discard
        return False
    try:
        files = [str(f) for f in json.loads(record.read_text(encoding="utf-8"))["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        files = []  # unreadable: the manifest is not trusted either (checked by hash)
    for index, relative in enumerate(files):
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            continue
        source = staging / relative
        if source.is_file():
            target = output / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
        if index == 0:
            kill_point("build:publish")
    record.unlink()
    shutil.rmtree(staging, ignore_errors=True)
    return True


def clean_stale_temporaries(output: Path) -> list[Path]:
    """Remove `.<name>.<random>.tmp` files a killed write left behind (we hold the lock)."""
    removed = []
    for path in output.rglob(".*.tmp"):
        if path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed


def recover_output(output: Path) -> list[str]:
    """Finish or discard what a killed build left in ``output``; notes for the user."""
    notes = []
    if finish_publish(output):
        notes.append("Slutförde publiceringen från ett avbrutet bygge")
    stale = clean_stale_temporaries(output)
    if stale:
        notes.append(f"Tog bort {len(stale)} tillfälliga filer från ett avbrutet bygge")
    return notes

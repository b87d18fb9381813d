#!/usr/bin/env bash
# Set up a fresh machine (Debian 12, Python 3.11): system libraries, then a venv with the
# project installed. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# WeasyPrint needs Pango; harfbuzz-subset halves render time (font subsetting in C, not Python);
# DejaVu is the document and signature-stamp font; qpdf and poppler let tests inspect PDFs.
DEBIAN_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core qpdf poppler-utils openssl"
# The test suite also drives the staff index in Chromium (Playwright's bundled Node needs
# libatomic1, absent on a minimal Debian 12) and opens the DOCX in LibreOffice.
if [ "${RUTIN_FOR_TESTS:-0}" = "1" ]; then
  DEBIAN_PACKAGES="$DEBIAN_PACKAGES chromium libatomic1 libreoffice-writer-nogui python3-uno softhsm2 opensc libnss3-tools"
fi
PYTHON="${PYTHON:-python3}"
missing=""
# Debian's own python3 needs python3-venv for `python3 -m venv` (ensurepip).
if ! "$PYTHON" -c "import ensurepip" >/dev/null 2>&1; then
  missing=" python3-venv"
fi
if command -v dpkg >/dev/null 2>&1; then
  for pkg in $DEBIAN_PACKAGES; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
  done
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installerar systempaket:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "Systempaket saknas:$missing" >&2
    echo "Kör: sudo apt-get install$missing" >&2
    exit 2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.rutin-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[test]'
  touch "$stamp"
fi

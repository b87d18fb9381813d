#!/usr/bin/env bash
# Set up a fresh machine (Debian 12, Python 3.11): system libraries, then a venv with exactly the
# locked dependencies (requirements.txt or requirements/test.txt, sha256-checked) and the project installed.
# RUTIN_FOR_TESTS=1 adds the test dependencies and, for the editor-schema test, Node.js and
# yaml-language-server (npm, pinned in tests/lsp/package-lock.json) under .venv/node.
# Safe to run again: it installs only what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# WeasyPrint needs Pango; harfbuzz-subset halves render time (font subsetting in C, not Python);
# DejaVu is the document and signature-stamp font; qpdf and poppler let tests inspect PDFs.
DEBIAN_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core qpdf poppler-utils openssl"
# The test suite also drives the staff index in Chromium (Playwright's bundled Node needs
# libatomic1, absent on a minimal Debian 12) and opens the DOCX in LibreOffice.
if [ "${RUTIN_FOR_TESTS:-0}" = "1" ]; then
  # Signing tests: LibreOffice's signature check through UNO (python3-uno, NSS trust via
  # certutil from libnss3-tools) and a PKCS#11 token (softhsm2, pkcs11-tool from opensc).
  DEBIAN_PACKAGES="$DEBIAN_PACKAGES chromium libatomic1 libreoffice-writer-nogui"
  DEBIAN_PACKAGES="$DEBIAN_PACKAGES python3-uno softhsm2 opensc libnss3-tools"
  # The pre-commit test clones this repository; a minimal Debian has no git (seen in debootstrap).
  command -v git >/dev/null 2>&1 || DEBIAN_PACKAGES="$DEBIAN_PACKAGES git"
  # yaml-language-server runs on Node.js >= 18 (Debian 12's nodejs); a newer node on PATH is fine.
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    DEBIAN_PACKAGES="$DEBIAN_PACKAGES nodejs npm"
  fi
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
LOCK=requirements.txt
if [ "${RUTIN_FOR_TESTS:-0}" = "1" ]; then
  LOCK=requirements/test.txt
fi
# Reinstall when the lock or pyproject.toml changed since the last install of this lock. A venv set
# up for tests already holds everything the runtime lock names.
want="$(cat "$LOCK" pyproject.toml | sha256sum | cut -c1-64)"
stamp=.venv/.rutin-installed-$(basename "$LOCK" .txt)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  if [ "$LOCK" = requirements.txt ] && [ -f .venv/.rutin-installed-test ] \
     && [ "$(cat .venv/.rutin-installed-test)" = "$(cat requirements/test.txt pyproject.toml | sha256sum | cut -c1-64)" ]; then
    :  # the test install is a superset of the runtime one
  else
    # Exactly the locked releases, each file checked against its sha256; the build backend
    # (hatchling) is in the lock too, so the project installs without fetching anything else.
    .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$LOCK"
    .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  fi
  echo "$want" > "$stamp"
fi

if [ "${RUTIN_FOR_TESTS:-0}" = "1" ]; then
  # yaml-language-server for tests/test_yaml_language_server.py, exactly as locked (npm ci).
  node_dir=.venv/node
  if ! cmp -s tests/lsp/package-lock.json "$node_dir/package-lock.json" \
     || [ ! -x "$node_dir/node_modules/.bin/yaml-language-server" ]; then
    mkdir -p "$node_dir"
    cp tests/lsp/package.json tests/lsp/package-lock.json "$node_dir/"
    (cd "$node_dir" && npm ci --silent --ignore-scripts --no-audit --no-fund >/dev/null)
  fi
  # bpmn-js (bpmn.io's viewer) for tests/test_flow.py: the BPMN export must import in it.
  bpmn_dir=.venv/bpmnjs
  if ! cmp -s tests/bpmnjs/package-lock.json "$bpmn_dir/package-lock.json" \
     || [ ! -f "$bpmn_dir/node_modules/bpmn-js/dist/bpmn-viewer.production.min.js" ]; then
    mkdir -p "$bpmn_dir"
    cp tests/bpmnjs/package.json tests/bpmnjs/package-lock.json "$bpmn_dir/"
    (cd "$bpmn_dir" && npm ci --silent --ignore-scripts --no-audit --no-fund >/dev/null)
  fi
fi

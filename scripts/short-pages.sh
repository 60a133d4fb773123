#!/usr/bin/env bash
# Export every document of the demo practice for every reader and count the pages whose
# body holds 4 lines or fewer (the header and footer lines left out), naming each one.
# Usage: scripts/short-pages.sh [TANDEM_BINARY]   (needs poppler-utils)
set -u
cd "$(dirname "$0")/.."
T=${1:-target/debug/tandem}
work=$(mktemp -d)
export TANDEM_VAULT="$work/vault" TANDEM_PASSPHRASE="sample passphrase, not a secret"
$T init --demo --kdf-log-n 10 >/dev/null
mkdir -p "$work/out"
n=0
for id in $($T list sessions | awk '{print $NF}'); do
  for doc in note worksheet plan letters; do
    for aud in clinician couple partner-a partner-b; do
      $T export session "$id" --audience $aud --document $doc -o "$work/out/$id-$doc-$aud.pdf" >/dev/null 2>&1 && n=$((n+1))
    done
  done
done
for c in $($T list couples | awk '{print $2}'); do
  for aud in clinician couple partner-a partner-b; do
    $T export progress "$c" --audience $aud -o "$work/out/$c-progress-$aud.pdf" >/dev/null 2>&1 && n=$((n+1))
  done
done
pages=0; short=0
for f in "$work"/out/*.pdf; do
  np=$(pdfinfo "$f" | awk '/^Pages:/{print $2}')
  for p in $(seq 1 "$np"); do
    pages=$((pages+1))
    lines=$(pdftotext -f $p -l $p -layout "$f" - | grep -v '^\s*$' | wc -l)
    # minus the header line and the footer line (and a DRAFT line if any)
    body=$((lines-2))
    if [ "$body" -le 4 ]; then short=$((short+1)); echo "short: $(basename $f) page $p ($body lines)"; fi
  done
done
echo "files: $n, pages: $pages, pages with 4 body lines or fewer: $short"
rm -rf "$work"

#!/usr/bin/env bash
# Regenerate docs/samples/ from a fresh demo practice: one document of each kind for the
# readers it is written for. Usage: scripts/samples.sh [TANDEM_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-target/debug/tandem}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TANDEM_VAULT="$work/vault" TANDEM_PASSPHRASE="sample passphrase, not a secret"
"$T" init --demo --kdf-log-n 10 >/dev/null
"$T" settings --clinician-name "Dr. Robin Vale" --credentials "LMFT" \
  --licence-number "MFT 00000 (fictional)" >/dev/null
out=docs/samples
mkdir -p "$out"
# The first session of a protocol for the demo's first couple (C-0101).
session() { "$T" list sessions | awk -v p="$1" '$3 == "C-0101" && index($0, p) { print $NF; exit }'; }
couple=$("$T" list couples | awk '$1 == "C-0101" { print $2 }')
screen=$(session "Safety screen before joint work")
dialogue=$(session "Intentional dialogue")
plan=$(session "Communication plan and commitments")
letters=$(session "Impact and restitution letters")
export_() { "$T" export session "$1" --audience "$2" --document "$3" -o "$out/$4" --force >/dev/null; }
export_ "$screen" clinician note screen-record-clinician.pdf
export_ "$dialogue" clinician note session-note-clinician.pdf
export_ "$dialogue" couple note session-summary-couple.pdf
export_ "$plan" partner-a note session-summary-partner-a.pdf
export_ "$dialogue" couple worksheet dialogue-worksheet-couple.pdf
export_ "$plan" couple plan communication-plan-couple.pdf
export_ "$letters" partner-b letters letters-partner-b.pdf
"$T" export progress "$couple" --audience clinician -o "$out/progress-report-clinician.pdf" --force >/dev/null
"$T" worksheet intentional-dialogue --practice "Demo practice (fictional couples)" \
  -o "$out/blank-worksheet-intentional-dialogue.pdf" --force >/dev/null
"$T" worksheet csi-4 --audience partner-a --practice "Demo practice (fictional couples)" \
  -o "$out/blank-worksheet-csi-4-partner-a.pdf" --force >/dev/null
ls -1 "$out"

#!/usr/bin/env bash
# Crash safety at scale (not run by CI): kills a saving `tandem stress-save` with kill -9
# at random moments KILLS times, and a `tandem passphrase` change KILLS/4 times, then
# checks, as tests/crash.rs does: every file opens (`tandem verify` clean, nothing set
# aside), every acknowledged save is on disk at its latest acknowledged version, and after
# each killed passphrase change exactly one of the old and the new passphrase opens the
# vault.
#
# Usage: scripts/crash-loop.sh [KILLS]     (default 1000; CI runs the same tests at 200)
# Prints the test output and the wall time; the figures go in docs/vault.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-1000}
start=$(date +%s)
TANDEM_CRASH_KILLS="$kills" cargo test --test crash -- --nocapture --test-threads=1
end=$(date +%s)
echo "crash loop: $kills kills while saving, $(( kills / 4 > 20 ? kills / 4 : 20 )) during passphrase changes, $(( end - start )) s"

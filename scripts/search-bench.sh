#!/usr/bin/env bash
# Times `tandem search` as a whole process on a vault of generated sessions at the
# production scrypt work factor: cold (no search cache: every record is read and the cache
# written), warm (the cache is up to date), and after one record file was replaced (one
# record read, the cache rewritten); and the peak RSS of a cold and a warm run.
#
# Usage: scripts/search-bench.sh [VAULT_DIR]
#   VAULT_DIR   default /tmp/tandem-search-bench/vault; created if missing with SESSIONS
#               (default 10000) sessions from `tandem demo --generate N --seed 7`, which
#               takes several minutes (one fsync per record).
#   TANDEM=...  the binary to time (default: this checkout, built with --release), e.g. a
#               build from before the cache to compare.
# Needs hyperfine and GNU time (/usr/bin/time). Results go in BENCHMARKS.md by hand.
set -euo pipefail

vault=${1:-/tmp/tandem-search-bench/vault}
sessions=${SESSIONS:-10000}
export TANDEM_PASSPHRASE=${TANDEM_PASSPHRASE:-"benchmark passphrase"}
export TANDEM_VAULT=$vault

if [[ -z "${TANDEM:-}" ]]; then
    cargo build --release --bin tandem
    TANDEM=$(cargo metadata --format-version 1 --no-deps |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release/tandem
fi

if [[ ! -f "$vault/vault.ron" ]]; then
    mkdir -p "$(dirname "$vault")"
    "$TANDEM" init
    "$TANDEM" demo --generate "$sessions" --seed 7
fi

cache=$vault/records/search.age
# A session file replaced by a copy of itself: same content, new inode and time.
one=$(find "$vault/records/sessions" -name '*.age' -print -quit)
replace_one="cp '$one' '$one.copy' && mv '$one.copy' '$one'"

echo "== cold: no cache (reads every record, writes the cache)"
hyperfine --runs 5 --prepare "rm -f '$cache'" \
    "'$TANDEM' search feel" "'$TANDEM' search G-00500"

echo "== warm: the cache is up to date"
"$TANDEM" search feel > /dev/null
hyperfine --warmup 2 --runs 20 \
    "'$TANDEM' search feel" "'$TANDEM' search G-00500"

echo "== one record file replaced since the cache was written"
hyperfine --runs 10 --prepare "$replace_one" "'$TANDEM' search G-00500"

echo "== peak RSS"
rm -f "$cache"
/usr/bin/time -f "cold search feel: %M KiB, %e s" "$TANDEM" search feel > /dev/null
/usr/bin/time -f "warm search feel: %M KiB, %e s" "$TANDEM" search feel > /dev/null
/usr/bin/time -f "warm search G-00500: %M KiB, %e s" "$TANDEM" search G-00500 > /dev/null
ls -l "$cache"

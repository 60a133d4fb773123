#!/usr/bin/env bash
# Build and run Tandem's cargo-fuzz targets (fuzz/), each for a number of executions
# or a time limit, with its corpus in fuzz/corpus/<target> (new inputs are added there;
# minimise with `cargo +nightly fuzz cmin -s none <target>` before committing) and any
# crash saved under fuzz/artifacts/<target>. Prints executions, exec/s, wall time and
# crashes per target.
#
#   scripts/fuzz.sh [-n RUNS] [-t SECONDS] [TARGET...]
#
#   -n RUNS     executions per target (libFuzzer -runs; default 10000000)
#   -t SECONDS  also stop a target after this long (libFuzzer -max_total_time), whichever
#               comes first
#   TARGET      template_parse record_read takehome_read backup_read pdf_text (default: all)
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Targets are
# built without a sanitizer (-s none: Tandem is safe Rust, and it runs several times
# faster) and with debug assertions and overflow checks on (-a).
#
# pdf_text runs with -max_len=256: its cost grows with the input (every control or
# unknown character becomes a tag about ten characters long, laid out several times;
# ~4 ms for 200 bytes of control characters, ~110 ms for 3,200), and libFuzzer would
# otherwise let inputs grow to 4,096 bytes over a long run. 256 bytes still reach page
# breaks (a line per newline), the cap on combining marks and whole emoji sequences.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=10000000
secs=0
while getopts "n:t:" opt; do
    case $opt in
        n) runs=$OPTARG ;;
        t) secs=$OPTARG ;;
        *) echo "usage: $0 [-n RUNS] [-t SECONDS] [TARGET...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(template_parse record_read takehome_read backup_read pdf_text)
fi

flags=(-s none -a)
cargo +nightly fuzz build "${flags[@]}"

mkdir -p fuzz/logs
status=0
printf '%-16s %12s %10s %8s %8s\n' target executions exec/s wall_s crashes
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    before=$(find "fuzz/artifacts/$t" -type f | wc -l)
    limit=(-runs="$runs")
    if [ "$secs" -gt 0 ]; then limit+=(-max_total_time="$secs"); fi
    case $t in
        pdf_text) limit+=(-max_len=256) ;;
    esac
    log="fuzz/logs/$t.log"
    start=$(date +%s)
    set +e
    cargo +nightly fuzz run "${flags[@]}" "$t" "fuzz/corpus/$t" -- \
        "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    wall=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    after=$(find "fuzz/artifacts/$t" -type f | wc -l)
    crashes=$((after - before))
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="rc=$rc"; fi
    printf '%-16s %12s %10s %8s %8s\n' "$t" "${execs:-?}" "${rate:-?}" "$wall" "$crashes"
    if [ "$rc" -ne 0 ]; then status=1; echo "  see $log" >&2; fi
done
exit $status

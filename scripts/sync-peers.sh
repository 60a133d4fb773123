#!/usr/bin/env bash
# Tandem against the real Syncthing engine (.ci/run runs one quick round): two Syncthing
# peers, A and B, on 127.0.0.1 only, share one vault folder. A makes the vault and a
# couple with sessions. Each round both peers save at once (new records; the same
# session edited on both with `tandem import --replace`; the practice renamed on both,
# which rewrites settings.age), and one peer's Syncthing is killed with kill -9 as it
# starts pulling a record, restarted, and waited on until both peers agree. Then, on
# both: `tandem verify`, every acknowledged save found (in its file, or in a sync
# conflict copy of it), and the two folders identical apart from what each device keeps
# for itself.
#
# Usage: scripts/sync-peers.sh                 3 rounds, 16 new records per peer a round
#        ROUNDS=1 scripts/sync-peers.sh        quick: 1 round, 8 records (well under 2 min)
#
# Environment: ROUNDS (3), RECORDS (new records per peer per round: 16, or 8 when
# ROUNDS=1), TANDEM (the binary: target/debug/tandem), SYNC_TIMEOUT (seconds to wait for
# the peers to agree: 120), KEEP=1 (keep the work folder; it is always kept on failure).
# Needs syncthing (1.19 or later), curl and jq. Prints a table; exits non-zero if any
# acknowledged save is lost, if `tandem verify` reports anything but sync conflicts, if a
# save is refused, or if the folders do not agree. The figures go in docs/sync.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
if (( ROUNDS == 1 )); then RECORDS=${RECORDS:-8}; else RECORDS=${RECORDS:-16}; fi
TANDEM_BUILT=${TANDEM:-$PWD/target/debug/tandem}
SYNC_TIMEOUT=${SYNC_TIMEOUT:-120}
FOLDER=tandem-vault
MAX_CONFLICTS=100
VERSIONS_KEEP=10
export TANDEM_PASSPHRASE=${TANDEM_PASSPHRASE:-sync-peers-test-passphrase}
unset TANDEM_VAULT

die() { echo "sync-peers: $*" >&2; exit 1; }
for tool in syncthing curl jq; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is needed (apt-get install $tool)"
done
[ -x "$TANDEM_BUILT" ] || die "no Tandem binary at $TANDEM_BUILT: run cargo build first"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tandem-sync.XXXXXX")
# A copy of the binary, so that a build during the run cannot change it halfway.
TANDEM=$WORK/tandem
cp "$TANDEM_BUILT" "$TANDEM"
RUN=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')  # makes every marker unique to this run
declare -A PID=() WRAP=() HOMEDIR=() VAULT=() LISTEN=() GUI=() ID=() KEY=()
PEERS=(A B)
other() { if [ "$1" = A ]; then echo B; else echo A; fi; }

stop_peer() {
  local p=$1 pid=${PID[$1]:-} i
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if [ -n "${WRAP[$p]:-}" ]; then wait "${WRAP[$p]}" 2>/dev/null || true; fi
  PID[$p]='' WRAP[$p]=''
}

cleanup() {
  local rc=$?
  trap - EXIT
  local p
  for p in "${PEERS[@]}"; do stop_peer "$p"; done
  wait 2>/dev/null || true
  if (( rc == 0 )) && [ -z "${KEEP:-}" ]; then
    rm -rf "$WORK"
  else
    echo "work folder kept: $WORK (Syncthing logs in A.log and B.log)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# A free TCP port on 127.0.0.1: nothing answers on it, and it is not one already chosen.
TAKEN=" "
free_port() {
  local port
  while :; do
    port=$(( 20000 + RANDOM % 40000 ))
    case $TAKEN in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      TAKEN+="$port "
      echo "$port"
      return
    fi
  done
}

# api PEER METHOD PATH: the peer's REST API, JSON on stdout.
api() {
  curl -fsS -m 30 -X "$2" -H "X-API-Key: ${KEY[$1]}" "http://127.0.0.1:${GUI[$1]}$3"
}

write_config() {
  local p=$1 q
  q=$(other "$p")
  cat >"${HOMEDIR[$p]}/config.xml" <<EOF
<configuration version="36">
    <folder id="$FOLDER" label="Tandem vault" path="${VAULT[$p]}" type="sendreceive" rescanIntervalS="3600" fsWatcherEnabled="true" fsWatcherDelayS="1" ignorePerms="false" autoNormalize="true">
        <filesystemType>basic</filesystemType>
        <device id="${ID[A]}" introducedBy=""></device>
        <device id="${ID[B]}" introducedBy=""></device>
        <minDiskFree unit="%">1</minDiskFree>
        <versioning type="simple">
            <param key="keep" val="$VERSIONS_KEEP"></param>
            <param key="cleanoutDays" val="0"></param>
            <cleanupIntervalS>3600</cleanupIntervalS>
            <fsPath></fsPath>
            <fsType>basic</fsType>
        </versioning>
        <maxConflicts>$MAX_CONFLICTS</maxConflicts>
        <markerName>.stfolder</markerName>
    </folder>
    <device id="${ID[$p]}" name="$p" compression="metadata" introducer="false" skipIntroductionRemovals="false" introducedBy="">
        <address>tcp://127.0.0.1:${LISTEN[$p]}</address>
        <autoAcceptFolders>false</autoAcceptFolders>
    </device>
    <device id="${ID[$q]}" name="$q" compression="metadata" introducer="false" skipIntroductionRemovals="false" introducedBy="">
        <address>tcp://127.0.0.1:${LISTEN[$q]}</address>
        <autoAcceptFolders>false</autoAcceptFolders>
    </device>
    <gui enabled="true" tls="false" debugging="false">
        <address>127.0.0.1:${GUI[$p]}</address>
        <apikey>${KEY[$p]}</apikey>
        <theme>default</theme>
    </gui>
    <options>
        <listenAddress>tcp://127.0.0.1:${LISTEN[$p]}</listenAddress>
        <globalAnnounceEnabled>false</globalAnnounceEnabled>
        <localAnnounceEnabled>false</localAnnounceEnabled>
        <relaysEnabled>false</relaysEnabled>
        <natEnabled>false</natEnabled>
        <announceLANAddresses>false</announceLANAddresses>
        <crashReportingEnabled>false</crashReportingEnabled>
        <startBrowser>false</startBrowser>
        <urAccepted>-1</urAccepted>
        <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
        <reconnectionIntervalS>5</reconnectionIntervalS>
        <setLowPriority>false</setLowPriority>
    </options>
</configuration>
EOF
}

# STMONITORED=yes: one process, so kill -9 of its pid hits the worker (SYNCTHING.md). It
# runs under a small wrapper subshell, so that bash does not print "Killed" when the
# kill -9 meant for it lands.
start_peer() {
  local p=$1 i
  rm -f "$WORK/$p.pid"
  (
    STMONITORED=yes STHASHING=minio STNODEFAULTFOLDER=1 STNOUPGRADE=1 \
      syncthing serve --home="${HOMEDIR[$p]}" --no-browser --no-restart --no-upgrade \
      >>"$WORK/$p.log" 2>&1 &
    echo $! >"$WORK/$p.pid"
    wait $!
  ) 2>/dev/null &
  WRAP[$p]=$!
  for ((i = 0; i < 100; i++)); do [ -s "$WORK/$p.pid" ] && break; sleep 0.05; done
  PID[$p]=$(cat "$WORK/$p.pid")
}

wait_up() {
  local p=$1 i
  for ((i = 0; i < 300; i++)); do
    if api "$p" GET /rest/system/ping 2>/dev/null | jq -e '.ping == "pong"' >/dev/null 2>&1; then return 0; fi
    kill -0 "${PID[$p]}" 2>/dev/null || die "Syncthing $p exited; see $WORK/$p.log"
    sleep 0.1
  done
  die "Syncthing $p did not answer in 30 s"
}

connected() {
  local p=$1 q
  q=$(other "$p")
  api "$p" GET /rest/system/connections 2>/dev/null |
    jq -e --arg id "${ID[$q]}" '.connections[$id].connected == true' >/dev/null
}

# Both peers agree once: connected, idle, needing nothing, no pull errors, the same
# global totals, and each sees the other 100% complete.
in_sync_once() {
  local p q s c totals=()
  for p in "${PEERS[@]}"; do
    q=$(other "$p")
    connected "$p" || return 1
    s=$(api "$p" GET "/rest/db/status?folder=$FOLDER" 2>/dev/null) || return 1
    jq -e '.state == "idle" and .needTotalItems == 0 and .pullErrors == 0' <<<"$s" >/dev/null || return 1
    totals+=("$(jq -c '[.globalTotalItems, .globalBytes, .globalDeleted]' <<<"$s")")
    c=$(api "$p" GET "/rest/db/completion?folder=$FOLDER&device=${ID[$q]}" 2>/dev/null) || return 1
    jq -e '.completion == 100 and .needItems == 0 and .needDeletes == 0' <<<"$c" >/dev/null || return 1
  done
  [ "${totals[0]}" = "${totals[1]}" ]
}

# Scan both, then wait until they agree twice in a row, two seconds apart (completion
# alone once read 100% before the files had arrived).
wait_in_sync() {
  local p start confirmed=0
  for p in "${PEERS[@]}"; do api "$p" POST "/rest/db/scan?folder=$FOLDER" >/dev/null || true; done
  start=$(date +%s)
  while (( confirmed < 2 )); do
    if (( $(date +%s) - start > SYNC_TIMEOUT )); then
      for p in "${PEERS[@]}"; do
        echo "  $p: $(api "$p" GET "/rest/db/status?folder=$FOLDER" 2>/dev/null | jq -c '{state, needTotalItems, pullErrors, globalTotalItems, globalBytes}' || echo 'no answer')"
      done
      die "the peers did not agree within ${SYNC_TIMEOUT} s"
    fi
    if in_sync_once; then
      confirmed=$(( confirmed + 1 ))
      if (( confirmed < 2 )); then sleep 2; fi
    else
      confirmed=0
      sleep 0.5
    fi
  done
}

# What must be the same on both peers: every file (path, mode, SHA-256) and folder,
# leaving out Syncthing's own files and what each device keeps for itself.
listing() {
  (
    cd "$1"
    find . \( -path ./.stfolder -o -path ./.stversions -o -path ./.stignore -o -path ./.lock \
      -o -path ./local -o -path ./records/index.age -o -path ./records/search.age \
      -o -name '.syncthing.*.tmp' -o -name '*.tmp' -o -name '.tandem-tmp-*' \) -prune \
      -o -type d -printf 'dir %m - %p\n' -o -type f -printf 'file %m %p\n' |
      while read -r what mode rest; do
        if [ "$what" = dir ]; then
          echo "dir $mode $rest"
        else
          echo "file $mode $(sha256sum <"$rest" | cut -c1-16) $rest"
        fi
      done | sort -k4
  )
}

kind_dir() { case $1 in couple) echo couples ;; session) echo sessions ;; *) die "kind $1" ;; esac; }

# A session's RON, from the demo practice's: new id, the given couple, the marker as the
# clinician's note of its steps. A couple's likewise, the marker in the first partner's name.
SESSION_TEMPLATE=$WORK/session.ron.in
COUPLE_TEMPLATE=$WORK/couple.ron.in
make_templates() {
  local demo=$WORK/demo sid cid
  "$TANDEM" init --demo --kdf-log-n 10 --vault "$demo" >/dev/null
  "$TANDEM" list sessions --vault "$demo" >"$WORK/demo-sessions"
  sid=$(grep -m1 'CSI-4' "$WORK/demo-sessions" | grep -oE '[0-9a-f-]{36}$') ||
    die "no CSI-4 session in the demo practice to learn a session's RON from"
  "$TANDEM" dump session "$sid" --vault "$demo" >"$WORK/demo-session.ron"
  cid=$(grep -m1 -oE 'couple: \("[0-9a-f-]{36}' "$WORK/demo-session.ron" | grep -oE '[0-9a-f-]{36}')
  "$TANDEM" dump couple "$cid" --vault "$demo" >"$WORK/demo-couple.ron"
  sed -e "s/$sid/@ID@/g; s/$cid/@COUPLE@/g" -e 's/clinician_note: "[^"]*"/clinician_note: "@MARK@"/' \
    "$WORK/demo-session.ron" >"$SESSION_TEMPLATE"
  sed -e "s/$cid/@ID@/g" -e 's/code: "[^"]*"/code: "@CODE@"/' \
    -e '0,/name: "[^"]*"/s//name: "Partner @MARK@"/' "$WORK/demo-couple.ron" >"$COUPLE_TEMPLATE"
  if ! grep -q @MARK@ "$SESSION_TEMPLATE" || ! grep -q @MARK@ "$COUPLE_TEMPLATE"; then
    die "could not place a marker in the demo records' RON"
  fi
}
new_id() { cat /proc/sys/kernel/random/uuid; }
make_record() { # KIND ID MARK FILE [COUPLE]
  case $1 in
    session) sed -e "s/@ID@/$2/; s/@COUPLE@/$5/; s/@MARK@/$3/g" "$SESSION_TEMPLATE" >"$4" ;;
    couple) sed -e "s/@ID@/$2/; s/@CODE@/S-$RANDOM/; s/@MARK@/$3/g" "$COUPLE_TEMPLATE" >"$4" ;;
  esac
}

# Acknowledged saves, one line each: round peer kind id marker what (new, edit or
# settings). Refused ones go to $REFUSED.
ACKS=$WORK/acks.tsv
REFUSED=$WORK/refused.tsv
: >"$ACKS"
: >"$REFUSED"
: >"$WORK/acks-A.tsv"

# save PEER ROUND KIND ID MARK WHAT FILE [--replace]: one CLI save; exit 0 = acknowledged.
save() {
  local p=$1 r=$2 kind=$3 id=$4 mark=$5 what=$6 file=$7
  shift 7
  if "$TANDEM" import "$@" --vault "${VAULT[$p]}" "$file" >>"$WORK/$p-tandem.log" 2>&1; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$p" "$kind" "$id" "$mark" "$what" >>"$WORK/acks-$p.tsv"
  else
    printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$p" "$kind" "$id" "$what" >>"$WORK/refused-$p.tsv"
    echo "  $p: refused: tandem import $* ($kind $id): $(tail -1 "$WORK/$p-tandem.log")"
  fi
}

HAS_REPLACE=
if grep -q -- '--replace' <<<"$("$TANDEM" import --help 2>&1)"; then HAS_REPLACE=1; fi

# One peer's writes in a round: first the shared session edited (dumped as this peer
# has it, marker set, put back with --replace), then the practice renamed (settings.age,
# the other file both peers change at once), then RECORDS new records. An edit or rename
# that started from the other peer's of this round follows it rather than racing it,
# and is noted in $WORK/sequential.
writer() {
  local p=$1 r=$2 n id mark file q current
  q=$(other "$p")
  if [ -n "$HAS_REPLACE" ]; then
    mark="EDIT-$RUN-r$r-$p"
    file=$WORK/w-$p-$r-edit.ron
    if "$TANDEM" dump session "$SHARED" --vault "${VAULT[$p]}" >"$file.orig" 2>>"$WORK/$p-tandem.log"; then
      if grep -q "EDIT-$RUN-r$r-$q" "$file.orig"; then echo "$r $p edit" >>"$WORK/sequential"; fi
      sed 's/clinician_note: "[^"]*"/clinician_note: "'"$mark"'"/' "$file.orig" >"$file"
      save "$p" "$r" session "$SHARED" "$mark" edit "$file" --replace
    else
      echo "  $p: could not dump the shared session to edit it: $(tail -1 "$WORK/$p-tandem.log")"
      printf '%s\t%s\tsession\t%s\tedit-dump\n' "$r" "$p" "$SHARED" >>"$WORK/refused-$p.tsv"
    fi
  fi
  mark="SET-$RUN-r$r-$p"
  current=$("$TANDEM" settings --vault "${VAULT[$p]}" 2>>"$WORK/$p-tandem.log") || current=
  if grep -q "SET-$RUN-r$r-$q" <<<"$current"; then echo "$r $p settings" >>"$WORK/sequential"; fi
  if "$TANDEM" settings --practice-name "Practice $mark" --vault "${VAULT[$p]}" >>"$WORK/$p-tandem.log" 2>&1; then
    printf '%s\t%s\tsettings\t-\t%s\tsettings\n' "$r" "$p" "$mark" >>"$WORK/acks-$p.tsv"
  else
    printf '%s\t%s\tsettings\t-\tsettings\n' "$r" "$p" >>"$WORK/refused-$p.tsv"
    echo "  $p: refused: tandem settings --practice-name: $(tail -1 "$WORK/$p-tandem.log")"
  fi
  for ((n = 1; n <= RECORDS; n++)); do
    id=$(new_id)
    mark="NEW-$RUN-r$r-$p-$n"
    file=$WORK/w-$p-$r-$n.ron
    if (( n % 4 == 1 )); then
      make_record couple "$id" "$mark" "$file"
      save "$p" "$r" couple "$id" "$mark" new "$file"
    else
      make_record session "$id" "$mark" "$file" "$COUPLE"
      save "$p" "$r" session "$id" "$mark" new "$file"
    fi
  done
  : >"$WORK/done-$p-$r"
}

# killer PEER PID SINCE ROUND: kill PEER's Syncthing (PID) with kill -9 the moment it
# starts pulling a record file (an ItemStarted event for records/… after event SINCE), or
# after 30 s. Says what it saw, and how far the other peer's saves of ROUND had come.
killer() {
  local p=$1 pid=$2 since=$3 r=$4 q end ev item last arrived=0 acked=0 kind id seen=
  q=$(other "$p")
  end=$(( $(date +%s) + 30 ))
  while (( $(date +%s) < end )); do
    ev=$(api "$p" GET "/rest/events?since=$since&timeout=2" 2>/dev/null) || { sleep 0.1; continue; }
    item=$(jq -r 'map(select(.type == "ItemStarted" and (.data.item | startswith("records/"))))
                  | .[0].data.item // empty' <<<"$ev")
    if [ -n "$item" ]; then
      kill -KILL "$pid" 2>/dev/null || true
      while IFS=$'\t' read -r _ _ kind id _ what; do
        [ "$what" = new ] || continue
        acked=$(( acked + 1 ))
        if [ -f "${VAULT[$p]}/records/$(kind_dir "$kind")/$id.age" ]; then arrived=$(( arrived + 1 )); fi
      done <"$WORK/acks-$q.tsv"
      seen="as it started pulling $item: $arrived of the $acked new records $q had saved so far were on $p"
      if [ -f "$WORK/done-$q-$r" ]; then seen+=", $q had finished"; else seen+=", $q still saving"; fi
      break
    fi
    last=$(jq -r '.[-1].id // empty' <<<"$ev")
    since=${last:-$since}
  done
  kill -KILL "$pid" 2>/dev/null || true
  echo "${seen:-not caught pulling a record: killed after 30 s}"
}

# The id of PEER's latest event, for the killer to start from.
last_event() { api "$1" GET "/rest/events?since=0&limit=1&timeout=1" | jq -r '.[-1].id // 0'; }

# snapshot PEER DIR: a copy of the peer's folder to read records from, so that the
# checks' own audit entries (every open is logged) stay out of the synced vault.
snapshot() { rm -rf "$2"; cp -a "${VAULT[$1]}" "$2"; rm -f "$2/.lock"; }

# has_marker SNAP KIND ID MARK: the record (or the settings), or one of its conflict
# copies, holds MARK. `tandem dump` takes a kind and an id, and `tandem settings` reads
# settings.age, so a conflict copy is read by putting it in the file's place in the
# snapshot.
has_marker() {
  local snap=$1 kind=$2 id=$3 mark=$4 file base copy found=1
  if [ "$kind" = settings ]; then
    file=$snap/settings.age
  else
    file=$snap/records/$(kind_dir "$kind")/$id.age
  fi
  base=${file%.age}
  if [ -f "$file" ] && reads_mark "$snap" "$kind" "$id" "$mark"; then return 0; fi
  for copy in "$base".sync-conflict-*; do
    [ -f "$copy" ] || continue
    [ -f "$file" ] && cp -p "$file" "$file.keep"
    cp "$copy" "$file"
    if reads_mark "$snap" "$kind" "$id" "$mark"; then found=0; fi
    if [ -f "$file.keep" ]; then mv "$file.keep" "$file"; else rm -f "$file"; fi
    if (( found == 0 )); then return 0; fi
  done
  return 1
}
# The whole output first, then grep: grep -q stopping early would fail the pipe (pipefail).
reads_mark() {
  local text
  if [ "$2" = settings ]; then
    text=$("$TANDEM" settings --vault "$1" 2>/dev/null) || return 1
  else
    text=$("$TANDEM" dump "$2" "$3" --vault "$1" 2>/dev/null) || return 1
  fi
  grep -qF "$4" <<<"$text"
}

# verify_peer PEER CONFLICTS: print `tandem verify`; return 1 if it reports anything but
# sync conflicts (lines mentioning "conflict") and flagged imports. Counts in UNREPORTED
# the conflict copies (listed in the file CONFLICTS) that it does not name.
verify_peer() {
  local p=$1 out rc=0 line bad=0 conflicts=0 ctx=ok
  out=$("$TANDEM" verify --vault "${VAULT[$p]}" 2>&1) || rc=$?
  echo "  tandem verify on $p (exit $rc):"
  while IFS= read -r line; do echo "    | $line"; done <<<"$out"
  # An indented line belongs to the line above it: the detail of a conflict, or a record
  # flagged on import, is fine; under anything else it is a problem unless it names a
  # conflict itself.
  while IFS= read -r line; do
    case $line in
      '') ;;
      '  '*)
        case $ctx in
          conflict | flagged) ;;
          *) case $line in *[Cc]onflict*) conflicts=$(( conflicts + 1 )) ;; *) bad=$(( bad + 1 )) ;; esac ;;
        esac ;;
      *'open and match their file names'* | 'audit log: '*'chain intact'*) ctx=ok ;;
      *[Cc]onflict*) ctx=conflict; conflicts=$(( conflicts + 1 )) ;;
      'flagged on import'*) ctx=flagged ;;
      *'problem(s) need attention') ;;
      *) ctx=bad; bad=$(( bad + 1 )) ;;
    esac
  done <<<"$out"
  if (( rc != 0 && bad == 0 && conflicts == 0 )); then bad=1; fi
  # Every conflict copy on disk should be named by verify, or the therapist never hears
  # of the losing change.
  while IFS= read -r copy; do
    if ! grep -qF "${copy##*/}" <<<"$out"; then
      echo "  WARNING: tandem verify on $p does not mention the conflict copy $copy"
      UNREPORTED=$(( UNREPORTED + 1 ))
    fi
  done <"$2"
  (( bad == 0 ))
}

# Conflict copies (they sync, so A's are B's too), one path a line, outside .stversions.
conflict_list() { (cd "${VAULT[A]}" && find . -name '*.sync-conflict-*' -not -path './.stversions/*' -printf '%P\n' | sort); }
count_versions() { find "${VAULT[$1]}/.stversions" -type f 2>/dev/null | wc -l; }

# ---------------------------------------------------------------------------------------
echo "== two Syncthing peers on 127.0.0.1 in $WORK"
for p in "${PEERS[@]}"; do
  HOMEDIR[$p]=$WORK/$p-home
  VAULT[$p]=$WORK/$p/vault
  LISTEN[$p]=$(free_port)
  GUI[$p]=$(free_port)
  KEY[$p]=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  syncthing generate --home="${HOMEDIR[$p]}" --no-default-folder --skip-port-probing >/dev/null 2>&1
  ID[$p]=$(STMONITORED=yes syncthing serve --home="${HOMEDIR[$p]}" --device-id 2>/dev/null | tail -1)
  mkdir -m 700 "$WORK/$p"
  echo "  $p: device ${ID[$p]:0:7}, sync port ${LISTEN[$p]}, API port ${GUI[$p]}"
done

echo "== vault on A"
make_templates
"$TANDEM" init --kdf-log-n 10 --vault "${VAULT[A]}"
mkdir -m 700 "${VAULT[B]}"
for p in "${PEERS[@]}"; do mkdir -p "${VAULT[$p]}/.stfolder"; write_config "$p"; done
COUPLE=$(new_id)
make_record couple "$COUPLE" "NEW-$RUN-r0-A-0" "$WORK/couple0.ron"
save A 0 couple "$COUPLE" "NEW-$RUN-r0-A-0" new "$WORK/couple0.ron"
SHARED=
for n in 1 2 3; do
  id=$(new_id)
  [ -n "$SHARED" ] || SHARED=$id
  make_record session "$id" "NEW-$RUN-r0-A-$n" "$WORK/session0-$n.ron" "$COUPLE"
  save A 0 session "$id" "NEW-$RUN-r0-A-$n" new "$WORK/session0-$n.ron"
done
if [ "$(wc -l <"$WORK/acks-A.tsv")" -ne 4 ]; then
  die "the first records were not saved on A: $(cat "$WORK/A-tandem.log")"
fi
cat "$WORK/acks-A.tsv" >>"$ACKS"
echo "  a couple and 3 sessions; the shared session is $SHARED"
if [ -z "$HAS_REPLACE" ]; then
  echo "  SKIPPED: this tandem has no 'import --replace' yet, so the same session is not edited on both peers"
fi

echo "== start both peers; wait until B has the vault"
t0=$(now)
for p in "${PEERS[@]}"; do start_peer "$p"; done
for p in "${PEERS[@]}"; do wait_up "$p"; done
wait_in_sync
# B's first Tandem run writes B's own .stignore (Syncthing never syncs it).
"$TANDEM" list couples --vault "${VAULT[B]}" >/dev/null
cmp -s "${VAULT[A]}/.stignore" "${VAULT[B]}/.stignore" || die "B's .stignore differs from A's"
wait_in_sync
echo "  in sync after $(secs "$t0" "$(now)") s: $(find "${VAULT[B]}/records" -name '*.age' | wc -l) record files on B"
# local/ (this device's own id, among others) must never travel.
if [ -d "${VAULT[A]}/local" ] && diff -rq "${VAULT[A]}/local" "${VAULT[B]}/local" >/dev/null 2>&1; then
  die "local/ is the same on both peers: it must stay on each device"
fi

FAILED=0
conflict_list >"$WORK/conflicts-0"
prev_conflicts=$(wc -l <"$WORK/conflicts-0")
TABLE=$WORK/table
: >"$TABLE"
total_acks=0 total_lost=0 total_refused=0 UNREPORTED=0

for ((r = 1; r <= ROUNDS; r++)); do
  if (( r % 2 )); then victim=A; else victim=B; fi
  echo "== round $r: both peers save at once; kill -9 Syncthing $victim mid-sync"
  for p in "${PEERS[@]}"; do : >"$WORK/acks-$p.tsv"; : >"$WORK/refused-$p.tsv"; done
  t0=$(now)
  killer "$victim" "${PID[$victim]}" "$(last_event "$victim")" "$r" >"$WORK/kill-$r" &
  kpid=$!
  writer A "$r" &
  wa=$!
  writer B "$r" &
  wb=$!
  wait "$wa" "$wb"
  wait "$kpid"
  wait "${WRAP[$victim]}" || true
  echo "  kill -9 of $victim: $(cat "$WORK/kill-$r")"
  cat "$WORK/acks-A.tsv" "$WORK/acks-B.tsv" >>"$ACKS"
  cat "$WORK/refused-A.tsv" "$WORK/refused-B.tsv" >>"$REFUSED"
  acks=$(cat "$WORK/acks-A.tsv" "$WORK/acks-B.tsv" | wc -l)
  refused=$(cat "$WORK/refused-A.tsv" "$WORK/refused-B.tsv" | wc -l)
  echo "  $acks saves acknowledged, $refused refused; restarting $victim"
  sleep 1
  start_peer "$victim"
  wait_up "$victim"
  wait_in_sync
  t_sync=$(secs "$t0" "$(now)")
  echo "  peers agree after $t_sync s"

  # The two folders, compared; once more after a rescan if they differ.
  same=0
  for try in 1 2 3; do
    listing "${VAULT[A]}" >"$WORK/list-A"
    listing "${VAULT[B]}" >"$WORK/list-B"
    if cmp -s "$WORK/list-A" "$WORK/list-B"; then same=1; break; fi
    echo "  folders differ (try $try); rescanning"
    sleep 2
    wait_in_sync
  done
  if (( same )); then
    echo "  folders identical: $(grep -c '^file' "$WORK/list-A") files (leaving out .stfolder, .stignore, .stversions, temporary files and what stays on each device)"
  else
    echo "  FOLDERS DIFFER:"
    diff "$WORK/list-A" "$WORK/list-B" | sed 's/^/    /' | head -40
    FAILED=1
  fi

  # Every acknowledged save, on both peers: new records from every round so far, and
  # this round's edits of the shared session (earlier edits were rightly replaced).
  for p in "${PEERS[@]}"; do snapshot "$p" "$WORK/snap-$p"; done
  lost=0
  while IFS=$'\t' read -r ar ap kind id mark what; do
    [ "$what" = new ] || [ "$ar" = "$r" ] || continue
    # The shared session as first saved is rightly replaced by the first round's edits.
    if [ "$what" = new ] && [ "$id" = "$SHARED" ] && [ -n "$HAS_REPLACE" ]; then continue; fi
    for p in "${PEERS[@]}"; do
      if ! has_marker "$WORK/snap-$p" "$kind" "$id" "$mark"; then
        if [ "$what" != new ] && grep -qx "$ar $(other "$ap") $what" "$WORK/sequential" 2>/dev/null; then
          continue # the other peer's change this round started from this one
        fi
        echo "  LOST on $p: $what $kind $id (saved on $ap in round $ar, marker $mark)"
        lost=$(( lost + 1 ))
      fi
    done
  done <"$ACKS"
  echo "  acknowledged saves checked on both peers: $(awk -v r="$r" -v s="$SHARED" -v e="$HAS_REPLACE" '($6 == "new" && !(e && $4 == s)) || $1 == r' "$ACKS" | wc -l), lost: $lost"
  if [ -f "$WORK/sequential" ] && grep -q "^$r " "$WORK/sequential"; then
    echo "  note: not concurrent this round (one peer had the other's change before making its own): $(grep "^$r " "$WORK/sequential" | cut -d' ' -f2- | paste -sd, -)"
  fi

  conflict_list >"$WORK/conflicts-$r"
  UNREPORTED=0
  for p in "${PEERS[@]}"; do
    if ! verify_peer "$p" "$WORK/conflicts-$r"; then
      echo "  VERIFY on $p reports more than sync conflicts"
      FAILED=1
    fi
  done

  conflicts=$(wc -l <"$WORK/conflicts-$r")
  echo "  conflict copies: $conflicts, $(( conflicts - prev_conflicts )) new:"
  comm -13 "$WORK/conflicts-$(( r - 1 ))" "$WORK/conflicts-$r" | sed 's/^/    /'
  echo "  .stversions: A $(count_versions A) files, B $(count_versions B) files; audit/ segments: $(find "${VAULT[A]}/audit" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)"
  t_round=$(secs "$t0" "$(now)")
  printf '%5s  %-6s  %5s  %7s  %9s  %10s  %8s  %7s  %4s\n' "$r" "$victim" "$acks" "$refused" \
    "$(( conflicts - prev_conflicts ))" "$UNREPORTED" "$t_sync" "$t_round" "$lost" >>"$TABLE"
  prev_conflicts=$conflicts
  total_acks=$(( total_acks + acks ))
  total_lost=$(( total_lost + lost ))
  total_refused=$(( total_refused + refused ))
  (( lost == 0 )) || FAILED=1
  (( refused == 0 )) || FAILED=1
done

echo
echo "== summary: $ROUNDS round(s), $RECORDS new records per peer a round, the practice renamed on both at once, the shared session edited on both: $([ -n "$HAS_REPLACE" ] && echo yes || echo 'SKIPPED (no import --replace)')"
printf '%5s  %-6s  %5s  %7s  %9s  %10s  %8s  %7s  %4s\n' round killed saves refused conflicts unreported agree_s round_s lost
cat "$TABLE"
printf '%5s  %-6s  %5s  %7s  %9s  %10s  %8s  %7s  %4s\n' all - "$total_acks" "$total_refused" "$prev_conflicts" "$UNREPORTED" - - "$total_lost"
echo "(saves: acknowledged CLI saves in the round, 4 more before round 1; conflicts: new conflict copies;"
echo " unreported: conflict copies on disk that tandem verify does not name, both peers counted;"
echo " agree_s: writes, kill, restart until both agree; round_s: with the checks)"
if (( FAILED )); then
  echo "sync-peers: FAILED (lost saves, refused saves, folders that differ, or verify problems other than sync conflicts; see above)"
  exit 1
fi
echo "sync-peers: passed"

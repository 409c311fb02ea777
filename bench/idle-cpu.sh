#!/usr/bin/env bash
# Idle CPU of dev mode: starts `./fusion dev` on a fresh data directory, lets it settle, then reads the
# process's and each thread's CPU time (utime + stime in /proc) over a window with no traffic, and
# prints the process total as % of one core and the threads that used the most.
#   bench/idle-cpu.sh [SETTLE_SECONDS=60] [WINDOW_SECONDS=60] [TOP=15]
# Ports and the data directory come from the usual variables (FUSION_HTTP_PORT, FUSION_KAFKA_PORT,
# FUSION_MANAGEMENT_PORT, FUSION_DATA_DIR); without FUSION_DATA_DIR a temporary directory is used.
# Linux only (/proc); needs jcmd (the JDK's) for full thread names.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
settle="${1:-60}"
window="${2:-60}"
top="${3:-15}"
port="${FUSION_HTTP_PORT:-8080}"
own_data=""
if [ -z "${FUSION_DATA_DIR:-}" ]; then
  own_data="$(mktemp -d)"
  export FUSION_DATA_DIR="$own_data"
fi
log="$(mktemp)"

"$root/fusion" dev >"$log" 2>&1 &
pid=$! # ./fusion execs java: this is the JVM
cleanup() {
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$own_data" ] && rm -rf "$own_data"
  rm -f "$log"
}
trap cleanup EXIT

for _ in $(seq 1 300); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/health" && break
  kill -0 "$pid" 2>/dev/null || { echo "dev mode exited:" >&2; tail -20 "$log" >&2; exit 1; }
  sleep 1
done
echo "dev mode up (pid $pid); settling ${settle} s, then measuring ${window} s"
sleep "$settle"

hz="$(getconf CLK_TCK)"
ticks() { awk '{print $14 + $15}' "$1"; }
snapshot() { for t in /proc/"$pid"/task/*; do echo "$(basename "$t") $(ticks "$t/stat" 2>/dev/null || echo 0)"; done | sort; }
a_total="$(ticks /proc/"$pid"/stat)"
a="$(snapshot)"
sleep "$window"
b_total="$(ticks /proc/"$pid"/stat)"
b="$(snapshot)"

# Full thread names: jcmd prints each Java thread's native id (nid, hex); comm holds only 15 characters.
names="$(jcmd "$pid" Thread.print 2>/dev/null | sed -n 's/^"\([^"]*\)".* nid=\(0x[0-9a-f]*\).*/\2 \1/p' \
  | while read -r nid name; do echo "$((nid)) ${name// /_}"; done | sort)"

awk -v d="$((b_total - a_total))" -v hz="$hz" -v w="$window" \
  'BEGIN { printf "idle CPU: %.2f %% of one core (%d ticks of 1/%d s in %d s)\n", 100 * d / hz / w, d, hz, w }'
echo "% of a core  thread"
join <(echo "$a") <(echo "$b") | while read -r tid t0 t1; do
  name="$(echo "$names" | awk -v t="$tid" '$1 == t { print $2; exit }')"
  [ -z "$name" ] && name="$(tr ' ' '_' </proc/"$pid"/task/"$tid"/comm 2>/dev/null || echo "$tid")"
  echo "$((t1 - t0)) $name"
done | sort -rn | head -n "$top" | awk -v hz="$hz" -v w="$window" '$1 > 0 { printf "%10.2f  %s\n", 100 * $1 / hz / w, $2 }'

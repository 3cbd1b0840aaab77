#!/usr/bin/env bash
# The benchmark, in one command:  bench/run.sh [--quick]
#
# Builds what is missing (the Tollgate jar, the bench classes), then starts, on 127.0.0.1 only:
# the fake upstreams, nginx (a child process with its own config, never the system service), a
# redis-server of its own, Tollgate embedded and Tollgate on Redis + PostgreSQL (a scratch
# database on the local PostgreSQL), runs every scenario against each, stops everything and writes
# bench/results/latest.md, latency-vs-load.svg and latest.csv. Full: ~30 min on 2 cores; --quick: ~9 min.
# Large prompts (in the full plan): large-16/large-64 (400 KB, ~100K tokens), large50k-16/large50k-64 (200 KB),
# large-16-mix/large-64-mix (400 KB, every other request streaming; needs wrk). Every Tollgate point reports heap
# allocated per call and GC pauses (count, total, longest) over its measured window, read from -Xlog:gc.
# --only onboard-64,max-64-1m runs only the points named (ids as in the report), e.g. the many-customer
# points: onboard-64 (every call a new customer) and max-64-1m (1,000,000 known customers; 200,000 with --quick;
# --population N for a short check of that point). Only with --only: hot-1x (one customer, 64 connections, each
# Tollgate) and hot-3x (one customer across 3 Tollgate processes on one Redis + PostgreSQL, one wrk each; Redis CPU
# per call and the share of a Redis core used). --fold-and-lease runs the Redis + PostgreSQL target(s)
# with settle_batch_ms: 10 and lease_slice_ms: 500 (off by default).
# Installs nothing: without nginx, wrk or redis-server it says what to install and skips.
set -euo pipefail
cd "$(dirname "$0")/.."

ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) ARGS+=(--quick) ;;
    --only) [ $# -ge 2 ] || { echo "--only needs point ids, e.g. --only onboard-64,max-64-1m" >&2; exit 2; }
            ARGS+=(--only "$2"); shift ;;
    --fold-and-lease) ARGS+=(--fold-and-lease) ;;
    --population) [ $# -ge 2 ] || { echo "--population needs a number of customers" >&2; exit 2; }
            ARGS+=(--population "$2"); shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "usage: bench/run.sh [--quick] [--only POINT,...] [--population N] [--fold-and-lease]" >&2; exit 2 ;;
  esac
  shift
done

for tool in nginx wrk redis-server; do
  if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
    case "$tool" in
      redis-server) echo "bench: redis-server not found (apt-get install -y redis-server); the Redis + PostgreSQL target is skipped" ;;
      *) echo "bench: $tool not found: apt-get install -y nginx wrk ; scenarios that need it are skipped (noted in the report)" ;;
    esac
  fi
done

mvn_() { mvn -q -B -o "$@" || mvn -q -B "$@"; }
if [ ! -f proxy-server/target/tollgate.jar ]; then
  echo "bench: building proxy-server/target/tollgate.jar"
  mvn_ -pl proxy-server -am package -DskipTests
fi
echo "bench: building the bench module"
mvn_ -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/bench.classpath

# Many connections (5,000 streams plus their upstream connections) in every process started here.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

CP="bench/target/classes:$(cat bench/target/bench.classpath)"
CMD="bench/run.sh${ARGS:+ ${ARGS[*]}}"
exec java -Xms1g -Xmx2g -Dlogback.configurationFile=bench/logback-bench.xml -cp "$CP" dev.tollgate.bench.scenario.BenchMain \
  --jar proxy-server/target/tollgate.jar --out bench/results --command "$CMD" "${ARGS[@]}"

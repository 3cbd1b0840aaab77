#!/usr/bin/env bash
# Redis work per chat call of the fleet limit store:
#   bench/script-cost.sh [--calls N] [--inflight K] [--customers C] [--batch-ms B] [--lease-ms L]
# Starts its own redis-server on a free loopback port, runs admit + settle pairs through the Redis
# limit store (10 customers far from their limits, 16 in flight, 20,000 calls after a warm-up) and
# prints script calls, redis.calls inside scripts and Redis CPU per call (INFO commandstats / cpu).
# --batch-ms folds settles as settle_batch_ms does, --lease-ms admits against slices as lease_slice_ms
# does. Takes a few seconds; builds the bench module first.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -o -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/bench.classpath \
  || mvn -q -B -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/bench.classpath
CP="bench/target/classes:$(cat bench/target/bench.classpath)"
exec java -Dlogback.configurationFile=bench/logback-bench.xml -cp "$CP" dev.tollgate.bench.redis.ScriptCostMain "$@"

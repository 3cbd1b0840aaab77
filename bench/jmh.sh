#!/usr/bin/env bash
# JMH suite of Tollgate's hot pieces (SSE parsing, usage extraction, customer id, cost math,
# in-process limit store):  bench/jmh.sh [JMH options, e.g. -f 1 -wi 2 -i 3 HotPath]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -o -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/bench.classpath \
  || mvn -q -B -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/bench.classpath
exec java -Dlogback.configurationFile=bench/logback-bench.xml -cp "bench/target/classes:$(cat bench/target/bench.classpath)" \
  org.openjdk.jmh.Main "$@"

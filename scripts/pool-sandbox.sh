#!/usr/bin/env bash
# A clustered pool of N sandbox agents on one machine (each in its own network namespace with
# its own sanlock daemon, a shared pool directory, a virtual IP); writes DIR/pool.json once the
# pool has a master. SIGTERM/SIGINT stop every process it started and remove its namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ]; then echo "usage: scripts/pool-sandbox.sh N [DIR]" >&2; exit 2; fi
exec node --import tsx scripts/pool-sandbox.ts "$@"

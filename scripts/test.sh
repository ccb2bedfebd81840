#!/usr/bin/env bash
# The newcomer's second command (and CI's): installs what is missing, then typechecks and
# runs every test tier (unit, service, rpc, integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test

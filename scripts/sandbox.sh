#!/usr/bin/env bash
# The newcomer's first command: installs what is missing, builds, and starts an agent in
# sandbox mode under DIR (default .sandbox). Connection details land in DIR/sandbox.json.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node dist/src/cli/main.js serve --sandbox "${1:-.sandbox}" "${@:2}"

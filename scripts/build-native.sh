#!/bin/sh
# Builds native/malloc-trim.c into dist/native/malloc-trim.node (src/host/malloc-trim.ts loads
# it). Optional: without a C compiler, or on a libc without malloc_trim, the agent runs without
# it (after a burst of connections its RSS then stays near the peak).
set -u
cd "$(dirname "$0")/.."
mkdir -p dist/native
if cc -O2 -shared -fPIC -o dist/native/malloc-trim.node.tmp native/malloc-trim.c; then
  mv dist/native/malloc-trim.node.tmp dist/native/malloc-trim.node
else
  rm -f dist/native/malloc-trim.node.tmp
  echo "build-native.sh: malloc-trim not built; the agent runs without it" >&2
fi

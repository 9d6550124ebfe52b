#!/usr/bin/env bash
# Installs the benchmarks' own packages into bench/node_modules (apart from the extension's) and
# builds the corpus in bench/.corpus. Needs the repository's own packages installed (tsx, ts-morph).
# Arguments go to build-corpus.ts (--type-check also reports the corpus's type errors).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
cd ..
node --import tsx bench/build-corpus.ts "$@"

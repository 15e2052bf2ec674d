#!/usr/bin/env bash
# Runs every test file with Node's test runner through tsx.
# Usage: npm test [-- test/some.test.ts ...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' -not -path '*/fixtures/*' | sort); fi
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"

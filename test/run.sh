#!/usr/bin/env bash
# npm test: first the set-up step (test/setup/prepare.ts: installs what the tests need
# where it can, or stops with one line naming what is missing and the fix), then every
# test file with Node's test runner through tsx.
# Usage: npm test [-- test/some.test.ts ...]
set -euo pipefail
cd "$(dirname "$0")/.."
node --import tsx test/setup/prepare.ts
if [ "$#" -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' -not -path '*/fixtures/*' | sort); fi
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"

#!/usr/bin/env bash
# npm test: first the set-up step (test/setup/prepare.ts: installs what the tests need
# where it can, or stops with one line naming what is missing and the fix), then the
# fast tier (every test file not listed in test/e2e-tier*.txt) with files run
# concurrently, then the end-to-end tier (labs, VMs, lessons, chaos, a fresh machine)
# two lanes side by side, each one file at a time: test/e2e-tier.txt, and
# test/e2e-tier-vms.txt (its lines prefixed "[vms] "). Each tier's and lane's
# wall time is printed at its end.
# Usage: npm test [-- test/some.test.ts ...]   (the files given, one at a time)
#        npm test -- --fast | --e2e            (one tier; also npm run test:fast / test:e2e)
set -euo pipefail
cd "$(dirname "$0")/.."
node --import tsx test/setup/prepare.ts
run() { node --import tsx --test --test-concurrency="$1" --test-reporter=spec "${@:2}"; }
tier=all
case "${1:-}" in
  --fast) tier=fast; shift ;;
  --e2e) tier=e2e; shift ;;
esac
if [ "$#" -gt 0 ]; then exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@"; fi
mapfile -t e2e < <(grep -v '^#' test/e2e-tier.txt | grep .)
mapfile -t vms < <(grep -v '^#' test/e2e-tier-vms.txt | grep .)
mapfile -t fast < <(find test -name '*.test.ts' -not -path '*/fixtures/*' | sort | grep -vxF -f <(printf '%s\n' "${e2e[@]}" "${vms[@]}"))
# one file more than the CPU has: a fast-tier file spends much of its time waiting (a Redis loading,
# a worker's shutdown bound, a child process), so 3 at a time keep 2 cores busier than 2 do
jobs=$(node -e 'console.log(Math.max(3, require("node:os").availableParallelism() + 1))')
status=0
# "busy" and "total" CPU ticks of the whole machine so far (Linux /proc/stat; 0 0 elsewhere)
ticks() { awk '/^cpu /{ print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat 2>/dev/null || echo 0 0; }
# how busy the machine's CPUs were since ticks printed "$1 $2": a tier that keeps them near 100% cannot
# go faster by running more at a time
busy() {
  read -r b t < <(ticks)
  if [ "$t" -gt "$2" ]; then echo ", CPU busy $(((b - $1) * 100 / (t - $2)))% of $(nproc) cores"; fi
}
if [ "$tier" != e2e ]; then
  start=$SECONDS
  read -r b0 t0 < <(ticks)
  run "$jobs" "${fast[@]}" || status=1
  echo "npm test: fast tier, ${#fast[@]} files, $jobs at a time: $((SECONDS - start)) s$(busy "$b0" "$t0")"
fi
if [ "$tier" != fast ]; then
  start=$SECONDS
  read -r b0 t0 < <(ticks)
  # the second lane in the background, its lines marked; pipefail carries its exit status
  (
    failed=0
    run 1 "${vms[@]}" 2>&1 | sed -u 's/^/[vms] /' || failed=1
    echo "npm test: end-to-end lane 2, ${#vms[@]} files, one at a time: $((SECONDS - start)) s"
    exit "$failed"
  ) &
  lane=$!
  run 1 "${e2e[@]}" || status=1
  echo "npm test: end-to-end lane 1, ${#e2e[@]} files, one at a time: $((SECONDS - start)) s"
  wait "$lane" || status=1
  echo "npm test: end-to-end tier, $((${#e2e[@]} + ${#vms[@]})) files (two lanes): $((SECONDS - start)) s$(busy "$b0" "$t0")"
fi
exit "$status"

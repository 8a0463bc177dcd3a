# SPDX-License-Identifier: BSD-2-Clause
# tools/bench-fleet --smoke: the benchmark the README points to still runs
# every part through (tiny counts on the fleet and the single relay on
# Redis; no goal judged), so a change to the relay, the fleet's example
# files or the benchmark cannot leave it broken unnoticed.
# shellcheck shell=bash
. "$HB_SRC/tests/lib/lib.sh"
out=$(mktemp "$HB_TEST_DIR/bench-fleet.XXXXXX")
if "$HB_SRC/tools/bench-fleet" --smoke "$HB_BUILD" >"$out" 2>&1 &&
    grep -q '^smoke run: every part ran' "$out"; then
    ok bench_fleet_smoke_runs_every_part
else
    not_ok bench_fleet_smoke_runs_every_part "$(tail -n 8 "$out")"
fi
finish

#!/usr/bin/env bash
# The README's test command (and CI's): installs what the tests need on Debian 12, builds, runs every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source infra/lib.sh

require_dotnet
# librdkafka1: the Kafka client and the embedded broker the tests start; chromium: the browser tests' browser,
# fonts-noto-color-emoji: so the menu icons (emoji) show in its screenshots; postgresql: the PostgreSQL 15 binaries
# the tests start their own throwaway server from (the system's cluster is not used); docker-compose (1.29, with
# python3-yaml): validates docker-compose.yaml and resolves the settings it passes to our programs (no Docker engine is needed).
ensure_apt_packages librdkafka1 chromium fonts-noto-color-emoji postgresql docker-compose

build_web
log "Running the web UI's component tests (Vitest)"
(cd web && npm test --silent -- --reporter=dot) || die "the web UI's component tests failed"

log "Building FoodOrdering.sln (Release; warnings are errors)"
dotnet build FoodOrdering.sln -c Release

log "Running the tests"
# Per-test lines and a summary per test project. A hung test is killed and named (after 5 minutes of silence,
# 10 for the chaos tests), so a run ends within CI's limit either way.
output=$(mktemp)
trap 'rm -f "$output"' EXIT
chaos_reports=app/tests/FoodOrdering.Chaos.Tests/bin/Release/net10.0
rm -f "$chaos_reports"/chaos-*.txt
status=0
# Everything but the chaos tests first, test projects side by side; then the chaos tests alone, one at a time, since
# each one loads the machine with several hosts, Kafka brokers and a database (a hang there is 10 minutes of silence).
dotnet test FoodOrdering.sln -c Release --no-build --filter "FullyQualifiedName!~FoodOrdering.Chaos.Tests" \
  --logger "console;verbosity=normal" \
  --blame-hang-timeout 5m --blame-hang-dump-type none 2>&1 | tee "$output" || status=${PIPESTATUS[0]}
# A test process killed as hung leaves the programs it started running: stop them before the chaos tests measure.
pkill -KILL -f "$PWD/app/.*/bin/Release/" 2>/dev/null || true
chaos_status=0
dotnet test app/tests/FoodOrdering.Chaos.Tests -c Release --no-build \
  --logger "console;verbosity=normal" \
  --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee -a "$output" || chaos_status=${PIPESTATUS[0]}
[[ $status -ne 0 ]] || status=$chaos_status
pkill -KILL -f "$PWD/app/.*/bin/Release/" 2>/dev/null || true
# The chaos tests' invariants, one line per run (orders, faults, counts), so the log shows them even when they pass.
cat "$chaos_reports"/chaos-*.txt 2>/dev/null || true
# One closing line for the whole suite, summed over the test projects.
passed=$(awk '/^ +Passed: +[0-9]+$/ { n += $2 } END { print n + 0 }' "$output")
failed=$(awk '/^ +Failed: +[0-9]+$/ { n += $2 } END { print n + 0 }' "$output")
if [[ $status -eq 0 ]]; then
  log "All tests passed"
else
  printf '\033[1;31m==> Tests failed (exit %s): see the failures above\033[0m\n' "$status" >&2
fi
echo "${passed} passed, ${failed} failed"
exit "$status"

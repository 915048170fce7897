#!/usr/bin/env bash
# The README's run command: installs what FoodOrdering needs on Debian 12, builds it, and runs the whole
# system on the embedded default: the host (SQLite store, embedded Kafka broker, API at :3000) and
# simulated drivers. Ctrl+C stops both; state stays in data/ for the next run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source infra/lib.sh

require_dotnet
# librdkafka1: the Kafka client and the embedded broker; kcat: to talk to Kafka by hand.
ensure_apt_packages librdkafka1 kcat curl

# URLS overrides the host's appsettings.json; ASPNETCORE_URLS would not (it ranks below appsettings.json).
url="${URLS:-http://localhost:3000}"
drivers="${DRIVERS:-10}"

build_web

log "Building (Release)"
dotnet build app/FoodOrdering.Host -c Release -v quiet -nologo
dotnet build app/FoodOrdering.DriverSimulator -c Release -v quiet -nologo

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

log "Starting the host at ${url}"
URLS="$url" FoodOrdering__PublicBaseUrl="$url/" dotnet app/FoodOrdering.Host/bin/Release/net10.0/FoodOrdering.Host.dll --contentRoot "$PWD/app/FoodOrdering.Host" &
pids+=($!)
for _ in $(seq 1 120); do
  curl -sf "$url/health" >/dev/null 2>&1 && break
  kill -0 "${pids[0]}" 2>/dev/null || die "the host exited; see its output above"
  sleep 0.5
done
curl -sf "$url/health" >/dev/null || die "the host did not become healthy at $url"

if [[ "$drivers" -gt 0 ]]; then
  log "Starting ${drivers} simulated drivers (DRIVERS=0 to run none)"
  dotnet app/FoodOrdering.DriverSimulator/bin/Release/net10.0/FoodOrdering.DriverSimulator.dll drivers --app "$url" -n "$drivers" --speed 15 &
  pids+=($!)
fi

log "FoodOrdering is running at ${url}  (Ctrl+C stops it)"
log "  web UI:          ${url}  (shop, order tracking, kitchens, board, drivers, analytics, runs)"
log "  place an order:  curl -s -X POST $url/api/orders -H 'content-type: application/json' -d '{\"restaurantId\":\"bites_n_bytes\",\"products\":[{\"productId\":\"1000\",\"quantity\":1}],\"totalCost\":10.9,\"deliveryDelay\":0}'"
log "  follow it:       curl -N $url/api/orders/<id>/events      API: $url/openapi/v1.json   runs: $url/api/workflows"
wait -n "${pids[@]}"

#!/usr/bin/env bash
# The README's run command: installs what FoodOrdering needs on Debian 12, then builds and serves it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source infra/lib.sh

require_dotnet
# Debian packages the host needs at run time: none yet (the Kafka issue adds librdkafka1 here).
ensure_apt_packages

# URLS overrides the host's appsettings.json; ASPNETCORE_URLS would not (it ranks below appsettings.json).
url="${URLS:-http://localhost:3000}"
log "Starting FoodOrdering at ${url}  (Ctrl+C stops it)"
log "  ${url}/api/info   ${url}/api/workflows   ${url}/openapi/v1.json   ${url}/health"
exec dotnet run -c Release --project app/FoodOrdering.Host

# Shared by the README's commands (infra/run.sh, infra/test.sh). Source it; do not run it.
# Every function is idempotent and quiet when there is nothing to do.

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

die() {
  printf '\033[1;31merror:\033[0m %s\n' "$*" >&2
  exit 1
}

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "installing packages needs root: run as root or install sudo ($*)"
  fi
}

# ensure_apt_packages PKG...: installs the Debian packages that are missing, running `apt-get update`
# only when at least one is, so a second run neither touches the network nor asks for sudo.
ensure_apt_packages() {
  local missing=() package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]}, and apt-get is not available (these scripts target Debian 12)"
  log "Installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The .NET SDK comes with every machine of this project; it cannot be installed from Debian's archive.
require_dotnet() {
  command -v dotnet >/dev/null 2>&1 \
    || die "the .NET 10 SDK is required and 'dotnet' is not on PATH. Install it (https://learn.microsoft.com/dotnet/core/install/linux-debian) and run this again."
  local version
  # global.json pins SDK 10.0.100 with roll-forward; `dotnet --version` fails when no matching SDK is installed.
  version=$(dotnet --version 2>/dev/null) \
    || die "no .NET SDK matching global.json (10.0.100 or a later 10.0 feature band) is installed; 'dotnet --list-sdks' shows: $(dotnet --list-sdks 2>/dev/null | tr '\n' ' ')"
  [[ ${version%%.*} -ge 10 ]] || die "the .NET 10 SDK is required; found $version"
}

# Node.js 20+ and npm build the React web UI (web/); every machine of this project has them.
require_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    || die "Node.js 20+ with npm is required to build the web UI and 'node'/'npm' are not on PATH. Install it (https://nodejs.org/en/download, or Debian's nodejs and npm packages) and run this again."
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [[ $major -ge 20 ]] || die "Node.js 20 or later is required to build the web UI; found $(node --version)"
}

# build_web: installs the web UI's locked dependencies (only when package-lock.json changed since the last
# install) and builds web/dist, which the host serves. Quiet unless something fails.
build_web() {
  require_node
  local stamp=web/node_modules/.package-lock.json
  if [[ ! -f $stamp || web/package-lock.json -nt $stamp ]]; then
    log "Installing the web UI's npm packages (npm ci)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in web/"
  fi
  log "Building the web UI (web/dist)"
  (cd web && npm run --silent build -- --logLevel warn) >/dev/null || { (cd web && npm run --silent build); die "the web UI build failed (see above)"; }
}

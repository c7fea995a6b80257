# Sourced by scripts/test.sh: installs what the test suite needs when it is missing (Debian/Ubuntu, as root or sudo).
# Each need is one function; ensure_prereqs runs them all. Nothing here downloads anything but Debian packages.

_apt_updated=0
_apt_install() {
  local sudo=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo -n"
  if ! command -v apt-get >/dev/null; then echo "prereqs: apt-get not found; install $* yourself"; return 1; fi
  if [ $_apt_updated -eq 0 ]; then $sudo apt-get update -qq >/dev/null 2>&1 || true; _apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_dotnet() {
  command -v dotnet >/dev/null || { echo "prereqs: the .NET 10 SDK is required (dotnet not on PATH)"; return 1; }
}

# PostgreSQL for the distributed-AutoML tests: installs the Debian package when missing, starts a local server,
# creates role/database mlnetllm (password mlnetllm) and exports MLNETLLM_PG. Idempotent: safe to call again.
ensure_need_postgres() {
  local sudo=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo -n"
  local pgport=${MLNETLLM_PG_PORT:-5432}
  if ! command -v pg_lsclusters >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
    _apt_install postgresql postgresql-contrib || { echo "prereqs: could not install postgresql"; return 1; }
  fi
  local ver; ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$ver main"; then
    $sudo pg_createcluster "$ver" main --port "$pgport" >/dev/null || { echo "prereqs: pg_createcluster failed"; return 1; }
  fi
  pgport=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')
  if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -q online; then
    $sudo pg_ctlcluster "$ver" main start || { echo "prereqs: could not start PostgreSQL $ver/main"; return 1; }
  fi
  local i; for i in $(seq 1 30); do pg_isready -q -h localhost -p "$pgport" && break; sleep 1; done
  pg_isready -q -h localhost -p "$pgport" || { echo "prereqs: PostgreSQL does not answer on port $pgport"; return 1; }
  local psql="psql -p $pgport -v ON_ERROR_STOP=1 -qtA"
  local as_pg; if [ "$(id -u)" -eq 0 ]; then as_pg="runuser -u postgres --"; else as_pg="$sudo -u postgres"; fi
  if [ "$($as_pg $psql -c "SELECT 1 FROM pg_roles WHERE rolname='mlnetllm'")" != "1" ]; then
    $as_pg $psql -c "CREATE ROLE mlnetllm LOGIN PASSWORD 'mlnetllm'" || return 1
  fi
  if [ "$($as_pg $psql -c "SELECT 1 FROM pg_database WHERE datname='mlnetllm_test'")" != "1" ]; then
    $as_pg $psql -c "CREATE DATABASE mlnetllm_test OWNER mlnetllm" || return 1
  fi
  export MLNETLLM_PG="Host=localhost;Port=$pgport;Username=mlnetllm;Password=mlnetllm;Database=mlnetllm_test"
}

# Chromium for the browser tests of `mlnet-llm ui` (Playwright drives /usr/bin/chromium; it never downloads a browser).
ensure_need_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  _apt_install chromium || { echo "prereqs: could not install chromium (the ui browser tests will say why they skip)"; return 1; }
  [ -x /usr/bin/chromium ] || { echo "prereqs: chromium installed but /usr/bin/chromium is missing"; return 1; }
}

# gdb, to print the native stack of a test host that crashed (scripts/test.sh reads the runtime's minidump with it).
ensure_need_gdb() {
  command -v gdb >/dev/null && return 0
  _apt_install gdb || { echo "prereqs: could not install gdb (a crashed test host's dump is kept, its stack not printed)"; return 1; }
}

ensure_prereqs() {
  ensure_dotnet || exit 1
  local f
  for f in $(declare -F | awk '{print $3}' | grep '^ensure_need_'); do "$f" || echo "prereqs: $f failed (tests that need it will report why)"; done
}

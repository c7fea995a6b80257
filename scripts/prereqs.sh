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

ensure_prereqs() {
  ensure_dotnet || exit 1
  local f
  for f in $(declare -F | awk '{print $3}' | grep '^ensure_need_'); do "$f" || echo "prereqs: $f failed (tests that need it will report why)"; done
}

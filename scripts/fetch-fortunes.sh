#!/usr/bin/env bash
# Builds data/fortunes/{train,test}.csv from the Debian `fortunes` package (43 English categories; BSD licence, see
# data/README.md) with a deterministic 80/20 split by each fortune's MD5 (see scripts/FortunesToCsv.cs).
#   bash scripts/fetch-fortunes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
src=/usr/share/games/fortunes
if ! ls "$src"/*.u8 >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo -n"
  command -v apt-get >/dev/null || { echo "the Debian package 'fortunes' is needed ($src/*.u8)"; exit 1; }
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends fortunes >/dev/null
fi
dotnet run scripts/FortunesToCsv.cs -- "$src" data/fortunes

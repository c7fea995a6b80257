#!/usr/bin/env bash
# Packs the MLNetLlm libraries into a local NuGet feed, by default artifacts/feed (one .nupkg per library, version
# from Directory.Build.props). `mlnet-llm train` then references these packages in the ConsoleApp it generates and
# copies them into the output folder's packages/ (set MLNETLLM_FEED to use a feed elsewhere).
#   bash scripts/pack.sh [FEED] [extra dotnet pack options, e.g. --no-build]     (CONFIGURATION=Debug to pack a Debug build)
# NuGet caches a package by id and version (~/.nuget/packages/mlnetllm.*): after changing a library, bump <Version>
# in Directory.Build.props or delete those cache folders, or projects keep restoring the old package.
set -euo pipefail
cd "$(dirname "$0")/.."
feed="${1:-artifacts/feed}"
[ $# -gt 0 ] && shift
mkdir -p "$feed"
for lib in Core Data Torch AutoML; do
  dotnet pack "src/MLNetLlm.$lib/MLNetLlm.$lib.csproj" -c "${CONFIGURATION:-Release}" -o "$feed" -nologo -v q "$@"
done
echo "MLNetLlm packages in $(cd "$feed" && pwd):"
ls -1 "$feed"/MLNetLlm.*.nupkg

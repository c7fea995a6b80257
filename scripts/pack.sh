#!/usr/bin/env bash
# Packs the MLNetLlm libraries and the `mlnet-llm` tool into a local NuGet feed, by default artifacts/feed (one .nupkg
# per library plus MLNetLlm.Cli, the tool; version from Directory.Build.props). `mlnet-llm train` then references
# these packages in the ConsoleApp it generates and copies them into the output folder's packages/ (set MLNETLLM_FEED
# to use a feed elsewhere). Install the tool from the feed with
#   dotnet tool install MLNetLlm.Cli --tool-path ~/.mlnet-llm --add-source artifacts/feed
#
#   bash scripts/pack.sh [FEED] [extra dotnet pack options, e.g. -p:Version=0.1.1]   (CONFIGURATION=Debug to pack Debug)
#
# The packs build under artifacts/pack (MLNETLLM_PACK_BUILD): their own bin/ and obj/, so the working tree's builds
# are untouched. Builds are deterministic with ContinuousIntegrationBuild (source paths mapped to /_/).
# The tool is packed with TorchBackend=none: it carries TorchSharp but not libtorch's ~600 MB of natives (a .NET tool
# package cannot depend on other packages); the transformer commands find libtorch through LD_LIBRARY_PATH (see
# README, "Install from packages"). The MLNetLlm.Torch library package depends on libtorch-cpu-linux-x64 as usual.
# NuGet caches a package by id and version (~/.nuget/packages/mlnetllm.*): after changing a library, bump <Version>
# in Directory.Build.props or delete those cache folders, or projects keep restoring the old package.
set -euo pipefail
cd "$(dirname "$0")/.."
feed="${1:-artifacts/feed}"
[ $# -gt 0 ] && shift
mkdir -p "$feed"
build="${MLNETLLM_PACK_BUILD:-artifacts/pack}"
common=(-c "${CONFIGURATION:-Release}" -o "$feed" -nologo -v q -p:ContinuousIntegrationBuild=true)
# --no-build packs what the working tree's last build made (bin/<configuration>): the libraries only, since the tool
# must be built with TorchBackend=none.
no_build=false
for a in "$@"; do [ "$a" = "--no-build" ] && no_build=true; done
for lib in Core Data Torch AutoML AutoML.Torch Chinese; do
  if $no_build; then dotnet pack "src/MLNetLlm.$lib/MLNetLlm.$lib.csproj" "${common[@]}" "$@"
  else dotnet pack "src/MLNetLlm.$lib/MLNetLlm.$lib.csproj" "${common[@]}" --artifacts-path "$build/libs" "$@"; fi
done
if $no_build; then echo "--no-build: the mlnet-llm tool was not packed (it needs its own TorchBackend=none build)."
else dotnet pack src/MLNetLlm.Cli/MLNetLlm.Cli.csproj "${common[@]}" --artifacts-path "$build/tool" -p:TorchBackend=none "$@"; fi
echo "MLNetLlm packages in $(cd "$feed" && pwd):"
ls -1 "$feed"/MLNetLlm.*.nupkg

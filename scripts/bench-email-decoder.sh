#!/usr/bin/env bash
# Normalization throughput of two builds of MLNetLlm.Data side by side in one process (issue 16: hand-written MIME
# decoding vs MimeKit): DataCleaningBenchmark.MeasureNormalization from each build, in its own AssemblyLoadContext,
# alternating, plus how many SpamAssassin mails normalize differently (SHOWDIFF=1 prints each one).
# Usage: scripts/bench-email-decoder.sh BEFORE_COMMIT [AFTER_COMMIT=HEAD] [DATA=data/spam/full] [ROUNDS=3]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
before=${1:?usage: $0 BEFORE_COMMIT [AFTER_COMMIT] [DATA] [ROUNDS]}; after=${2:-HEAD}
data=$(cd "${3:-$root/data/spam/full}" && pwd); rounds=${4:-3}
work=$(mktemp -d); trap 'git -C "$root" worktree remove --force "$work/src-before" >/dev/null 2>&1 || true; git -C "$root" worktree remove --force "$work/src-after" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
for side in before after; do
  commit=${!side}
  git -C "$root" worktree add --detach "$work/src-$side" "$commit" >/dev/null
  nice -n 10 dotnet build "$work/src-$side/src/MLNetLlm.Data" -c Release -o "$work/$side" -v q -nologo >/dev/null
done
mkdir "$work/harness"
cp "$root/scripts/email-decoder-bench/Program.cs" "$work/harness/"
cp "$root/scripts/email-decoder-bench/bench.csproj.in" "$work/harness/bench.csproj"
cp "$root/nuget.config" "$work/harness/"
nice -n 10 dotnet build "$work/harness" -c Release -v q -nologo >/dev/null
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); cores: $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
nice -n 10 dotnet "$work/harness/bin/Release/net10.0/bench.dll" "$work/before" "$work/after" "$data" "$rounds"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

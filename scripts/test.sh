#!/usr/bin/env bash
# Runs every test project of the solution and ends with one line: "N passed, N failed, N skipped".
# Used by README ("run the tests") and by .ci/run. Installs what the tests need when it is missing.
#
#   scripts/test.sh            every test
#   scripts/test.sh --fast     only tests not marked [Trait("Speed", "Slow")] (see docs/testing.md for the time)
#   scripts/test.sh ARGS...    other arguments go to every `dotnet test` (e.g. --filter "FullyQualifiedName~Parity")
#
# Every test runs under a hang timeout (MLNETLLM_TEST_HANG_TIMEOUT, default 20m): VSTest's blame-hang ends the test host
# and names the test that hung. libtorch is pinned to MLNETLLM_TEST_THREADS threads (default 1, tests/Shared).
# A test host that crashes writes a minidump (the .NET runtime's createdump) to artifacts/test-results/crash-PID.dmp;
# the native stack of the crashing thread is printed (with gdb, installed when missing) and the dump kept.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

args=()
for a in "$@"; do
  if [ "$a" = "--fast" ]; then args+=(--filter "Speed!=Slow"); else args+=("$a"); fi
done
hang=${MLNETLLM_TEST_HANG_TIMEOUT:-20m}

# --- prerequisites ------------------------------------------------------------------------------------------------
source scripts/prereqs.sh
ensure_prereqs

# --- the HF tiny BERT fixture ------------------------------------------------------------------------------------
# Every test suite reads it from MLNETLLM_HF_FIXTURE. Unless set, use shared/fixtures/hf-tiny-bert from a folder above
# the clone (the team's copy), else the copy in tests/fixtures, so a clone anywhere runs the whole suite.
if [ -z "${MLNETLLM_HF_FIXTURE:-}" ]; then
  dir="$root"
  while [ "$dir" != "/" ] && [ ! -f "$dir/shared/fixtures/hf-tiny-bert/config.json" ]; do dir=$(dirname "$dir"); done
  if [ -f "$dir/shared/fixtures/hf-tiny-bert/config.json" ]; then MLNETLLM_HF_FIXTURE="$dir/shared/fixtures/hf-tiny-bert"
  else MLNETLLM_HF_FIXTURE="$root/tests/fixtures/hf-tiny-bert"; fi
  export MLNETLLM_HF_FIXTURE
fi
echo "HF fixture: $MLNETLLM_HF_FIXTURE"

# --- build once, then test each project ---------------------------------------------------------------------------
config=${CONFIGURATION:-Release}
if ! dotnet build MLNetLlm.sln -c "$config" -nologo -v minimal; then
  echo "build failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
if [ -z "${DOTNET_DbgEnableMiniDump:-}" ]; then
  export DOTNET_DbgEnableMiniDump=1 DOTNET_DbgMiniDumpType=1 DOTNET_DbgMiniDumpName="$results/crash-%p.dmp"
fi

# The crashing thread's native frames from a minidump: the thread whose stack has the runtime's signal-handler frame.
print_crash_stacks() {
  local dump
  for dump in "$results"/crash-*.dmp; do
    [ -f "$dump" ] || continue
    [ -f "$dump.done" ] && continue
    touch "$dump.done"
    echo "test host crash dump: $dump"
    if ! command -v gdb >/dev/null; then echo "(gdb not found: no native stack printed)"; continue; fi
    timeout 300 gdb -batch -nx -ex "set pagination off" -ex "thread apply all bt 24" "$(command -v dotnet)" "$dump" 2>/dev/null \
      | awk '/^Thread [0-9]+ /{ if (keep) printf "%s", block; block=$0 "\n"; keep=0; next }
             { block=block $0 "\n"; if ($0 ~ /signal handler called/) keep=1 }
             END { if (keep) printf "%s", block }'
  done
}
status=0
aborted=0
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  echo "=== $name"
  dotnet test "$proj" -c "$config" --no-build -nologo --logger "trx;LogFileName=$name.trx" \
    --results-directory "$results" --blame-hang --blame-hang-timeout "$hang" --blame-hang-dump-type none \
    ${args[@]+"${args[@]}"}
  rc=$?
  if [ $rc -ne 0 ]; then
    status=1
    # a hung test's host is killed (blame-hang) or a host crashed: the .trx then counts no failure (its summary
    # outcome says "Failed", its counters failed="0"), and the tests after the crash are in no count at all
    trx_failed=$(grep -o '<Counters [^>]*>' "$results/$name.trx" 2>/dev/null | head -1 | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
    if [ -f "$results/$name.trx" ] && [ "${trx_failed:-0}" -eq 0 ]; then
      echo "$name: the test run was aborted (a test hung past $hang or the test host crashed; see the blame output above)"
      aborted=$((aborted + 1))
    fi
    print_crash_stacks
  fi
done

# --- summary ------------------------------------------------------------------------------------------------------
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  c=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$c"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$c")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$c"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$c")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
n_trx=$(ls "$results"/*.trx 2>/dev/null | wc -l); n_proj=$(ls tests/*/*.csproj | wc -l)
if [ "$n_trx" -lt "$n_proj" ]; then
  echo "only $n_trx of $n_proj test projects produced results (a test host crashed?)"
  failed=$((failed + n_proj - n_trx)); status=1
fi
failed=$((failed + aborted))
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status

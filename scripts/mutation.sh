#!/usr/bin/env bash
# Mutation testing of the numeric core with Stryker.NET (dotnet-stryker 5.1.0, from the tool manifest dotnet-tools.json).
# One folder per run, one test process at a time (the machine is shared): a run takes minutes, not hours.
#
#   scripts/mutation.sh TARGET[,TARGET…] [more stryker options]
#   scripts/mutation.sh --list
#
# Several targets of one project (e.g. data-balancing,data-deduplication) share one build and one Stryker run; the score
# is still printed per target.
#
# Each target is a folder of the numeric core, its test project and the test classes that cover it (a filter keeps the
# runs short). The report lands in artifacts/mutation/TARGET/ (reports/mutation-report.html and .json, plus the log);
# the last line printed is "TARGET: score S% (killed K, survived V, timeout T, no coverage N)". Scores are recorded in
# docs/testing.md. The tuners' math is two targets (automl-tuners-gp: GP with its additive kernel part, SMAC's
# trend GP, expected improvement, loss warping;
# automl-tuners-forest: random forest, SMAC's local trend) whose filters keep only the reference and unit tests of those
# files (no test that runs a whole tuner, none marked Slow): each mutant then costs one short test run.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# target | project | test project | files to mutate (globs, ';'-separated) | test filter (dotnet test --filter syntax)
targets=$(cat <<'T'
torch-optimizer|src/MLNetLlm.Torch/MLNetLlm.Torch.csproj|tests/MLNetLlm.Torch.Tests/MLNetLlm.Torch.Tests.csproj|**/Training/AdamW.cs;**/Training/LinearWarmupSchedule.cs|FullyQualifiedName~Reference.AdamW|FullyQualifiedName~TrainingLoopTests.LinearSchedule|FullyQualifiedName~HuggingFaceParityTests.OneAdamW
torch-training|src/MLNetLlm.Torch/MLNetLlm.Torch.csproj|tests/MLNetLlm.Torch.Tests/MLNetLlm.Torch.Tests.csproj|**/Training/FineTuner.cs;**/Training/TrainingCheckpoint.cs|(FullyQualifiedName~Training.&Speed!=Slow)|(FullyQualifiedName~Trainers.&Speed!=Slow)
torch-models|src/MLNetLlm.Torch/MLNetLlm.Torch.csproj|tests/MLNetLlm.Torch.Tests/MLNetLlm.Torch.Tests.csproj|**/Models/*.cs|FullyQualifiedName~Reference.|FullyQualifiedName~Parity.|FullyQualifiedName~HuggingFaceCheckpointTests|FullyQualifiedName~Checkpoints.BertConfigJsonTests|FullyQualifiedName~Adapters.|FullyQualifiedName~Compression.StructuredPruningTests|FullyQualifiedName~Compression.PrunedCheckpointTests
torch-tokenization|src/MLNetLlm.Torch/MLNetLlm.Torch.csproj|tests/MLNetLlm.Torch.Tests/MLNetLlm.Torch.Tests.csproj|**/Tokenization/*.cs|FullyQualifiedName~Parity.|FullyQualifiedName~Tokeniz|(FullyQualifiedName~Chinese.ChineseWordPieceTests&FullyQualifiedName!~ABertTrainedFromScratch)
data-balancing|src/MLNetLlm.Data/MLNetLlm.Data.csproj|tests/MLNetLlm.Data.Tests/MLNetLlm.Data.Tests.csproj|**/Balancing/*.cs|FullyQualifiedName~Balancing.
data-deduplication|src/MLNetLlm.Data/MLNetLlm.Data.csproj|tests/MLNetLlm.Data.Tests/MLNetLlm.Data.Tests.csproj|**/Deduplication/*.cs|FullyQualifiedName~Deduplication.
automl-tuners-gp|src/MLNetLlm.AutoML/MLNetLlm.AutoML.csproj|tests/MLNetLlm.AutoML.Tests/MLNetLlm.AutoML.Tests.csproj|**/Tuners/GaussianProcess.cs;**/Tuners/TrendGaussianProcess.cs;**/Tuners/ExpectedImprovement.cs;**/Tuners/LossTransform.cs|(FullyQualifiedName~Tuners.GaussianProcess&Speed!=Slow)|(FullyQualifiedName~Tuners.TrendGaussianProcessTests&Speed!=Slow)|(FullyQualifiedName~Tuners.LossTransform&FullyQualifiedName!~TunersTreat)
automl-tuners-forest|src/MLNetLlm.AutoML/MLNetLlm.AutoML.csproj|tests/MLNetLlm.AutoML.Tests/MLNetLlm.AutoML.Tests.csproj|**/Tuners/LocalQuadraticTrend.cs;**/Tuners/RandomForestSurrogate.cs;**/Tuners/TrendForestSurrogate.cs|(FullyQualifiedName~Tuners.LocalQuadraticTrendTests&Speed!=Slow)|FullyQualifiedName~Tuners.RandomForestSurrogateTests|FullyQualifiedName~Tuners.ForestVarianceTests|FullyQualifiedName~Tuners.TrendForestSurrogateTests|FullyQualifiedName~Tuners.SurrogateFitArgumentTests|FullyQualifiedName~Tuners.ForestSplitRuleTests
T
)

if [ $# -lt 1 ] || [ "$1" = "--list" ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: scripts/mutation.sh TARGET [stryker options]; targets:"
  cut -d'|' -f1,4 <<<"$targets" | sed 's/|/   mutates /; s/^/  /'
  [ $# -lt 1 ] && exit 2 || exit 0
fi
target=$1; shift
project="" testproject="" mutate="" filter="" specs=""
IFS=',' read -ra names <<<"$target"
for name in "${names[@]}"; do
  line=$(grep "^$name|" <<<"$targets") || { echo "unknown target '$name' (scripts/mutation.sh --list)" >&2; exit 2; }
  IFS='|' read -r _ p tp m _ <<<"$line"
  if [ -n "$project" ] && [ "$p" != "$project" ]; then echo "targets '$target' mutate different projects: run them one by one" >&2; exit 2; fi
  project=$p; testproject=$tp
  mutate=${mutate:+$mutate;}$m
  f=${line#*|*|*|*|}
  filter=${filter:+$filter|}$f
  specs="$specs $name=$m"
done

dotnet tool restore >/dev/null || { echo "dotnet tool restore failed (dotnet-stryker 5.1.0 from NuGet)" >&2; exit 1; }

out="$root/artifacts/mutation/${target//,/+}"
rm -rf "$out"; mkdir -p "$out"
mutate_args=()
IFS=';' read -ra globs <<<"$mutate"
for g in "${globs[@]}"; do mutate_args+=(--mutate "$g"); done

# libtorch spins its thread pool: one thread per test host (tests/Shared pins MLNETLLM_TEST_THREADS).
export MLNETLLM_TEST_THREADS=${MLNETLLM_TEST_THREADS:-1}
cd "$(dirname "$testproject")"
start=$(date +%s)
dotnet dotnet-stryker --project "$(basename "$project")" --test-project "$root/$testproject" --configuration Release \
  --concurrency 1 "${mutate_args[@]}" --test-case-filter "$filter" --reporter html --reporter json --reporter progress \
  --reporter cleartext --output "$out" --skip-version-check "$@" 2>&1 | tee "$out/stryker.log"
rc=${PIPESTATUS[0]}
secs=$(( $(date +%s) - start ))

report=$(find "$out" -name 'mutation-report.json' | head -1)
if [ -z "$report" ]; then echo "$target: no report (stryker exit $rc, ${secs}s)"; exit 1; fi
/usr/bin/python3 - "$report" "$secs" $specs <<'PY'
import fnmatch, json, sys
r = json.load(open(sys.argv[1])); secs = int(sys.argv[2])
for spec in sys.argv[3:]:
    name, globs = spec.split("=", 1)
    c = {}
    for path, f in r["files"].items():
        if not any(fnmatch.fnmatch("/" + path, "*/" + g.replace("**/", "")) for g in globs.split(";")): continue
        for m in f["mutants"]: c[m["status"]] = c.get(m["status"], 0) + 1
    k, s, t, n = c.get("Killed", 0), c.get("Survived", 0), c.get("Timeout", 0), c.get("NoCoverage", 0)
    score = 100.0 * (k + t) / max(1, k + t + s + n)
    print(f"{name}: score {score:.1f}% (killed {k}, survived {s}, timeout {t}, no coverage {n}; "
          f"ignored/compile errors {c.get('Ignored', 0) + c.get('CompileError', 0)}; {secs // 60} min)")
PY

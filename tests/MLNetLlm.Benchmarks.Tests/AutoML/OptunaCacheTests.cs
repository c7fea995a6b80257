using System.Text.Json.Nodes;
using MLNetLlm.Benchmarks.AutoML;

namespace MLNetLlm.Benchmarks.Tests.AutoML;

public sealed class OptunaCacheTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("optuna-cache-tests-").FullName;

    string CachePath => Path.Combine(_dir, "artifacts", "bench", "optuna-cache.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Stands in for the Python script: a run's best values depend on the function, sampler, seed and version, and every call is recorded.</summary>
    sealed class FakeOptuna(string version = "3.1.0", string script = "0123456789abcdef") : IOptunaBackend
    {
        public List<(string[] Functions, string Sampler, int[] Seeds, int Budget)> Calls { get; } = [];

        public int VersionQueries { get; private set; }

        public string OptunaVersion { get { VersionQueries++; return version; } }

        public string ScriptHash => script;

        public static double[] Trajectory(BenchmarkFunction f, string sampler, int seed, int budget, string version) =>
            Enumerable.Range(1, budget).Select(i => f.Minimum + (1 + seed + sampler.Length + version.Length) * 10.0 / i).ToArray();

        public Dictionary<(string Function, int Seed), double[]> Run(IReadOnlyList<BenchmarkFunction> functions, string sampler, IReadOnlyList<int> seeds, int budget)
        {
            Calls.Add((functions.Select(f => f.Key).ToArray(), sampler, seeds.ToArray(), budget));
            return functions.SelectMany(f => seeds.Select(s => (f, s))).ToDictionary(p => (p.f.Key, p.s), p => Trajectory(p.f, sampler, p.s, budget, version));
        }
    }

    static readonly BenchmarkFunction[] Functions = [BenchmarkFunction.Branin, BenchmarkFunction.Hartmann6];

    Dictionary<string, Dictionary<string, double[][]>> RunWithCache(FakeOptuna backend, int seeds = 3, int firstSeed = 0, int[]? checkpoints = null) =>
        OptunaRunner.Run(backend, Functions, ["tpe", "cmaes"], seeds, firstSeed, checkpoints ?? [5, 10], null, OptunaCache.Load(CachePath));

    [Fact]
    public void ASecondRunReusesEveryCachedRunAndGetsTheSameRegrets()
    {
        var first = new FakeOptuna();
        var a = RunWithCache(first);
        Assert.Equal(2, first.Calls.Count); // one call per sampler, both functions, all seeds
        Assert.True(File.Exists(CachePath));

        var second = new FakeOptuna();
        var b = RunWithCache(second);
        Assert.Empty(second.Calls);
        foreach (var f in Functions)
            foreach (var s in new[] { "tpe", "cmaes" })
                Assert.Equal(a[f.Key][s], b[f.Key][s]);
        // the regret is read at the checkpoint: trial 10 of seed 2's cmaes run
        AssertClose.Equal(FakeOptuna.Trajectory(BenchmarkFunction.Branin, "cmaes", 2, 10, "3.1.0")[9] - BenchmarkFunction.Branin.Minimum, b["branin"]["cmaes"][2][1], rel: 1e-12);
    }

    [Fact]
    public void OnlyTheSeedsMissingFromTheCacheAreRun()
    {
        RunWithCache(new FakeOptuna(), seeds: 3);
        var more = new FakeOptuna();
        RunWithCache(more, seeds: 5);
        Assert.Equal(2, more.Calls.Count);
        Assert.All(more.Calls, c => Assert.Equal([3, 4], c.Seeds));
        Assert.All(more.Calls, c => Assert.Equal(["branin", "hartmann6"], c.Functions));
    }

    [Fact]
    public void AnotherOptunaVersionScriptOrBudgetIsNotServedFromTheCache()
    {
        RunWithCache(new FakeOptuna());
        var newer = new FakeOptuna(version: "4.0.0");
        var r = RunWithCache(newer);
        Assert.Equal(2, newer.Calls.Count);
        AssertClose.Equal(FakeOptuna.Trajectory(BenchmarkFunction.Hartmann6, "tpe", 1, 10, "4.0.0")[4] - BenchmarkFunction.Hartmann6.Minimum, r["hartmann6"]["tpe"][1][0], rel: 1e-12);

        var edited = new FakeOptuna(script: "fedcba9876543210");
        RunWithCache(edited);
        Assert.Equal(2, edited.Calls.Count);

        var longer = new FakeOptuna();
        RunWithCache(longer, checkpoints: [5, 20]);
        Assert.All(longer.Calls, c => Assert.Equal(20, c.Budget));
    }

    [Fact]
    public void ACorruptOrMismatchedEntryIsRerunNotTrusted()
    {
        var fresh = RunWithCache(new FakeOptuna());
        var root = JsonNode.Parse(File.ReadAllText(CachePath))!.AsObject();
        var entries = root["entries"]!.AsArray();
        JsonObject Entry(string f, string s, int seed) => entries.Select(e => e!.AsObject())
            .Single(e => (string)e["function"]! == f && (string)e["sampler"]! == s && (int)e["seed"]! == seed);
        // a value that rises (a best-so-far never does), a value below the function's minimum, one value short, and a
        // trial count that disagrees with the budget the entry is keyed by
        Entry("branin", "tpe", 0)["best"]![7] = 1e6;
        Entry("branin", "cmaes", 1)["best"]![9] = BenchmarkFunction.Branin.Minimum - 1;
        Entry("hartmann6", "tpe", 2)["best"]!.AsArray().RemoveAt(9);
        var wrongBudget = Entry("hartmann6", "cmaes", 0);
        wrongBudget["budget"] = 9;
        // malformed: a seed that is not a number, an entry with no sampler
        Entry("branin", "tpe", 1)["seed"] = "one";
        Entry("branin", "cmaes", 2).Remove("sampler");
        File.WriteAllText(CachePath, root.ToJsonString());

        var cache = OptunaCache.Load(CachePath);
        Assert.Equal(2, cache.Malformed);
        var backend = new FakeOptuna();
        var again = OptunaRunner.Run(backend, Functions, ["tpe", "cmaes"], 3, 0, [5, 10], null, cache);
        var rerun = backend.Calls.SelectMany(c => c.Functions.SelectMany(f => c.Seeds.Select(s => $"{f}/{c.Sampler}/{s}"))).Order().ToArray();
        Assert.Equal(new[] { "branin/cmaes/1", "branin/cmaes/2", "branin/tpe/0", "branin/tpe/1", "hartmann6/cmaes/0", "hartmann6/tpe/2" }, rerun);
        Assert.Equal(3, cache.Rejected);
        foreach (var f in Functions)
            foreach (var s in new[] { "tpe", "cmaes" })
                Assert.Equal(fresh[f.Key][s], again[f.Key][s]);

        // the reruns replaced the bad entries: a third run needs nothing
        var third = new FakeOptuna();
        RunWithCache(third);
        Assert.Empty(third.Calls);
    }

    [Theory]
    [InlineData("{\"format\": 1, \"entries\": [")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"format\": 2, \"entries\": []}")]
    public void AnUnreadableCacheIsAOneLineErrorNamingTheFile(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        File.WriteAllText(CachePath, content);
        var e = Assert.Throws<InvalidDataException>(() => OptunaCache.Load(CachePath));
        Assert.Contains(CachePath, e.Message);
        Assert.Contains("--no-optuna-cache", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(content, File.ReadAllText(CachePath)); // not overwritten
    }

    [Fact]
    public void AFolderWhereTheCacheFileShouldBeIsAnErrorNamingIt()
    {
        Directory.CreateDirectory(CachePath);
        var e = Assert.Throws<InvalidDataException>(() => OptunaCache.Load(CachePath));
        Assert.Contains(CachePath, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void WithoutACacheEverySamplerRunsAndNothingIsWritten()
    {
        var backend = new FakeOptuna();
        OptunaRunner.Run(backend, Functions, ["tpe"], 2, 0, [5], null, cache: null);
        OptunaRunner.Run(backend, Functions, ["tpe"], 2, 0, [5], null, cache: null);
        Assert.Equal(2, backend.Calls.Count);
        Assert.Equal(0, backend.VersionQueries);
        Assert.False(File.Exists(CachePath));
    }

    [Fact]
    public void TheDefaultCacheIsInTheClonesArtifactsFolder()
    {
        string script = Path.Combine(_dir, "bench", "tuners", "optuna_bench.py");
        Assert.Equal(Path.Combine(_dir, "artifacts", "bench", "optuna-cache.json"), OptunaRunner.DefaultCachePath(script));
        Assert.Equal(Path.Combine(_dir, "elsewhere", "optuna-cache.json"), OptunaRunner.DefaultCachePath(Path.Combine(_dir, "elsewhere", "o.py")));
    }
}

using System.Text.Json.Nodes;
using MLNetLlm.Torch.Models;

namespace MLNetLlm.Torch.Tests;

/// <summary>Locates the HF tiny BERT fixture: env MLNETLLM_HF_FIXTURE, else shared/fixtures/hf-tiny-bert in an ancestor folder.</summary>
internal static class HfFixture
{
    static readonly Lazy<string> _dir = new(() =>
    {
        var env = Environment.GetEnvironmentVariable("MLNETLLM_HF_FIXTURE");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "fixtures", "hf-tiny-bert");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("HF fixture not found: set MLNETLLM_HF_FIXTURE or put shared/fixtures/hf-tiny-bert beside the clone.");
    });

    public static string Dir => _dir.Value;

    static readonly Lazy<BertConfig> _config = new(() => BertConfig.Load(Path.Combine(Dir, "config.json")));

    /// <summary>The fixture's architecture: tests take widths, label count and head size from here, never as literals.</summary>
    public static BertConfig Config => _config.Value;

    /// <summary>The padded length of the reference's single-sentence inputs.</summary>
    public static int MaxLength => Reference["max_length"]!.GetValue<int>();

    static readonly Lazy<JsonObject> _reference = new(() => JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "reference.json")))!.AsObject());

    public static JsonObject Reference => _reference.Value;

    public static long[][] Longs(string key) => Reference[key]!.AsArray().Select(r => r!.AsArray().Select(x => x!.GetValue<long>()).ToArray()).ToArray();
    public static float[][] Floats(JsonNode node) => node.AsArray().Select(r => r!.AsArray().Select(x => (float)x!.GetValue<double>()).ToArray()).ToArray();
    public static string[] Sentences => Reference["sentences"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray();
    public static (string A, string B)[] Pairs => Reference["pairs"]!.AsArray().Select(p => (p![0]!.GetValue<string>(), p[1]!.GetValue<string>())).ToArray();
}

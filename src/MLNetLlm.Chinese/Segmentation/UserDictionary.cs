using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MLNetLlm.Chinese.Segmentation;

/// <summary>
/// A jieba user dictionary: one word per line, optionally followed by a frequency and a part-of-speech tag, separated by
/// spaces or tabs (<c>云计算 5 n</c>, <c>创新办 3</c>, <c>凱特琳</c>). Blank lines and lines starting with <c>#</c> are skipped;
/// UTF-8 (a BOM is allowed). Kept as text so that it can be saved with a model.
/// </summary>
internal sealed class UserDictionary
{
    UserDictionary(string text, string source, List<(string Word, int Frequency, string? Tag)> words)
    {
        Text = text;
        Source = source;
        Words = words;
        ContentHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The file's text as read.</summary>
    public string Text { get; }

    /// <summary>Where it was read from (for messages).</summary>
    public string Source { get; }

    /// <summary>The words (frequency 0: let jieba suggest one).</summary>
    public IReadOnlyList<(string Word, int Frequency, string? Tag)> Words { get; }

    /// <summary>SHA-256 of the text: the same content is added to jieba once.</summary>
    public string ContentHash { get; }

    /// <summary>Reads and checks a file; errors name the file and line.</summary>
    public static UserDictionary Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"WordSegmentationOptions.UserDictionaryPath: '{path}' does not exist.", path);
        return Parse(File.ReadAllText(path, Encoding.UTF8), path);
    }

    /// <summary>Parses dictionary text; <paramref name="source"/> names it in errors.</summary>
    public static UserDictionary Parse(string text, string source)
    {
        var words = new List<(string, int, string?)>();
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            string line = raw.Trim().TrimStart('\uFEFF');
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 3)
                throw new InvalidDataException($"User dictionary '{source}' line {lineNo}: expected 'word [frequency] [tag]', got {fields.Length} fields ('{line}'). Words cannot contain spaces.");
            string word = fields[0];
            if (word.Any(char.IsControl)) throw new InvalidDataException($"User dictionary '{source}' line {lineNo}: the word contains a control character.");
            if (word.Any(c => char.IsSurrogate(c)) && !IsWellFormed(word)) throw new InvalidDataException($"User dictionary '{source}' line {lineNo}: the word has an unpaired UTF-16 surrogate.");
            int frequency = 0;
            string? tag = null;
            if (fields.Length >= 2)
            {
                if (!int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out frequency))
                {
                    if (fields.Length == 2 && fields[1].All(char.IsAsciiLetterLower)) { tag = fields[1]; frequency = 0; }
                    else throw new InvalidDataException($"User dictionary '{source}' line {lineNo}: frequency '{fields[1]}' is not a non-negative whole number.");
                }
            }
            if (fields.Length == 3)
            {
                if (!fields[2].All(char.IsAsciiLetterLower)) throw new InvalidDataException($"User dictionary '{source}' line {lineNo}: tag '{fields[2]}' must be lower-case letters (e.g. n, nz, v).");
                tag = fields[2];
            }
            words.Add((word, frequency, tag));
        }
        if (words.Count == 0) throw new InvalidDataException($"User dictionary '{source}' has no words.");
        return new UserDictionary(text, source, words);
    }

    static bool IsWellFormed(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }
}

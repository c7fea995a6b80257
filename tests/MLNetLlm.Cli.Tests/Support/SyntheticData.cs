using System.Globalization;
using System.Text;

namespace MLNetLlm.Cli.Tests.Support;

/// <summary>Small seeded text data sets whose labels follow from their words, so a bag-of-words model learns them.</summary>
public static class SyntheticData
{
    static readonly string[] Filler = ["the", "a", "we", "you", "this", "today", "please", "our", "and", "with", "for", "about", "team", "note"];

    static readonly Dictionary<string, string[]> Topics = new()
    {
        ["spam"] = ["free", "winner", "cash", "prize", "viagra", "click", "offer", "cheap", "money", "urgent"],
        ["ham"] = ["meeting", "report", "lunch", "schedule", "project", "review", "agenda", "minutes", "draft", "notes"],
        ["sports"] = ["match", "goal", "team", "league", "score", "coach", "season", "player", "referee", "cup"],
    };

    /// <summary>A CSV with Id, Label and Text; each text has three words of its label's topic among filler.</summary>
    public static string Classification(int rows, int seed, params string[] labels)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder("Id,Label,Text\n");
        for (int i = 0; i < rows; i++)
        {
            string label = labels[i % labels.Length];
            sb.Append(CultureInfo.InvariantCulture, $"{i},{label},\"{Sentence(rnd, Topics[label])}\"\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// A sentence-pair CSV (Id, Score, Sentence1, Sentence2): Score is half a point for each sentence about "spam"
    /// topics plus a little noise, so it follows linearly from the words of both columns.
    /// </summary>
    public static string SentencePairs(int rows, int seed)
    {
        var rnd = new Random(seed);
        var sb = new StringBuilder("Id,Score,Sentence1,Sentence2\n");
        for (int i = 0; i < rows; i++)
        {
            bool a = rnd.Next(2) == 0, b = rnd.Next(2) == 0;
            double score = (a ? 0.5 : 0) + (b ? 0.5 : 0) + (rnd.NextDouble() - 0.5) * 0.05;
            sb.Append(CultureInfo.InvariantCulture,
                $"{i},{score:0.000},\"{Sentence(rnd, Topics[a ? "spam" : "ham"])}\",\"{Sentence(rnd, Topics[b ? "spam" : "sports"])}\"\n");
        }
        return sb.ToString();
    }

    static string Sentence(Random rnd, string[] topic)
    {
        var words = new List<string>();
        for (int k = 0; k < 6; k++) words.Add(Filler[rnd.Next(Filler.Length)]);
        for (int k = 0; k < 3; k++) words.Insert(rnd.Next(words.Count + 1), topic[rnd.Next(topic.Length)]);
        return string.Join(' ', words);
    }
}

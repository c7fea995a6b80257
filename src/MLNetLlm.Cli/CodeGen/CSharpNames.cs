using System.Globalization;
using System.Text;

namespace MLNetLlm.Cli.CodeGen;

/// <summary>Turns column and folder names into C# identifiers and literals.</summary>
internal static class CSharpNames
{
    /// <summary>A PascalCase identifier from any text ("sample-train" → "SampleTrain"); "_" + name when it would start with a digit.</summary>
    public static string Identifier(string name, string fallback)
    {
        var sb = new StringBuilder();
        bool upper = true;
        foreach (char c in name)
        {
            if (char.IsLetterOrDigit(c) && c < 128)
            {
                sb.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else upper = true;
        }
        if (sb.Length == 0) return fallback;
        if (char.IsDigit(sb[0])) sb.Insert(0, '_');
        return sb.ToString();
    }

    /// <summary>Distinct identifiers for a list of names (a number is appended on clashes).</summary>
    public static string[] Identifiers(IReadOnlyList<string> names, string fallback)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var result = new string[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            string id = Identifier(names[i], fallback + (i + 1).ToString(CultureInfo.InvariantCulture));
            string candidate = id;
            for (int n = 2; !used.Add(candidate); n++) candidate = id + n.ToString(CultureInfo.InvariantCulture);
            result[i] = candidate;
        }
        return result;
    }

    /// <summary>A verbatim-free C# string literal with escapes.</summary>
    public static string Literal(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || char.IsSurrogate(c)) sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Escapes text for an XML attribute or element.</summary>
    public static string Xml(string s) => System.Security.SecurityElement.Escape(s) ?? "";
}

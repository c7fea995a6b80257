using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace MLNetLlm.Torch.Compression.Distillation;

/// <summary>
/// Initialises a smaller BERT student from its teacher (Hugging Face parameter names): embeddings, pooler and classifier
/// are copied, and student layer i takes teacher layer <see cref="HiddenStateProjection.TeacherLayerFor"/>(i). A tensor
/// is copied only when its shape matches exactly (same hidden and FFN widths); otherwise the student keeps its random
/// initialisation for it.
/// </summary>
public static partial class StudentInitializer
{
    [GeneratedRegex(@"encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerIndex();

    /// <summary>
    /// Copies teacher tensors into the student's (in place, no gradient); returns the student names that were initialised.
    /// </summary>
    public static IReadOnlyList<string> Initialize(IReadOnlyDictionary<string, Tensor> teacher, IReadOnlyDictionary<string, Tensor> student)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(student);
        int teacherLayers = CountLayers(teacher.Keys), studentLayers = CountLayers(student.Keys);
        if (studentLayers > teacherLayers)
            throw new ArgumentException($"The student has {studentLayers} layers, more than the teacher's {teacherLayers}.");
        var copied = new List<string>();
        using var _ = no_grad();
        foreach (var (name, target) in student)
        {
            string source = name;
            var m = LayerIndex().Match(name);
            if (m.Success)
            {
                int layer = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                int from = HiddenStateProjection.TeacherLayerFor(layer, studentLayers, teacherLayers);
                source = name[..m.Index] + $"encoder.layer.{from}." + name[(m.Index + m.Length)..];
            }
            if (teacher.TryGetValue(source, out var t) && t.shape.SequenceEqual(target.shape) && t.dtype == target.dtype)
            {
                target.copy_(t);
                copied.Add(name);
            }
        }
        return copied;
    }

    private static int CountLayers(IEnumerable<string> names)
    {
        int max = -1;
        foreach (string n in names)
        {
            var m = LayerIndex().Match(n);
            if (m.Success) max = Math.Max(max, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        return max + 1;
    }
}

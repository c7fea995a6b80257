namespace MLNetLlm.Cli.Prediction;

/// <summary>
/// The prediction engine's input: up to <see cref="Training.ModelSignature.MaxTextColumns"/> text slots, each mapped to
/// one of the model's text columns by a schema definition (so one class serves models with any column names).
/// </summary>
internal sealed class TextRow
{
    public string T0 = "", T1 = "", T2 = "", T3 = "", T4 = "", T5 = "", T6 = "", T7 = "";

    public void Set(IReadOnlyList<string> values)
    {
        for (int i = 0; i < values.Count; i++)
        {
            string v = values[i];
            switch (i)
            {
                case 0: T0 = v; break;
                case 1: T1 = v; break;
                case 2: T2 = v; break;
                case 3: T3 = v; break;
                case 4: T4 = v; break;
                case 5: T5 = v; break;
                case 6: T6 = v; break;
                case 7: T7 = v; break;
                default: throw new ArgumentOutOfRangeException(nameof(values), $"At most 8 text values, not {values.Count}.");
            }
        }
    }
}

using System.CommandLine;
using System.Globalization;
using MLNetLlm.Cli.Audit;
using MLNetLlm.Fairness;

namespace MLNetLlm.Cli.Commands;

/// <summary>
/// <c>mlnet-llm audit</c>: a fairness audit of a classification model over a sensitive column (Fairlearn's definitions),
/// printed as a table and written as audit.json and report.html; exits <see cref="ExitCodes.FairnessThresholdExceeded"/>
/// when a disparity exceeds a given threshold (a CI gate).
/// </summary>
internal static class AuditCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model", "-m") { Description = "The model file, or the folder train wrote (its model.mlnetllm).", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Labeled data: CSV/TSV with the model's text and label columns and the sensitive column.", Required = true };
        var sensitive = new Option<string>("--sensitive-col") { Description = "The column whose values are the groups (e.g. Group).", Required = true };
        var maxDp = new Option<double?>("--max-dp-difference") { Description = "Fail (exit 5) when a demographic-parity difference is larger than this." };
        var maxEo = new Option<double?>("--max-eo-difference") { Description = "Fail (exit 5) when an equalized-odds difference is larger than this." };
        var multiclass = new Option<string>("--multiclass") { Description = "Multiclass models: one-vs-rest (default) or accuracy.", DefaultValueFactory = _ => "one-vs-rest" };
        multiclass.AcceptOnlyFromAmong("one-vs-rest", "accuracy");
        var output = new Option<string?>("--output", "-o") { Description = "Folder for audit.json and report.html (default: an 'audit' folder beside the model)." };
        var command = new Command("audit", "Fairness audit of a model over a sensitive column: per-group metrics and disparities (Fairlearn's definitions).")
        {
            model, dataset, sensitive, maxDp, maxEo, multiclass, output,
        };
        command.SetAction(parse => context.Guard(() =>
        {
            foreach (var (name, v) in new[] { ("--max-dp-difference", parse.GetValue(maxDp)), ("--max-eo-difference", parse.GetValue(maxEo)) })
                if (v is { } x && !(x >= 0 && x <= 1)) throw new CliException($"{name} must be between 0 and 1, not {x.ToString(CultureInfo.InvariantCulture)}.");
            string modelPath = AuditRun.ResolveModel(parse.GetValue(model)!);
            string data = parse.GetValue(dataset)!;
            var report = AuditRun.Run(modelPath, data, parse.GetValue(sensitive)!,
                parse.GetValue(multiclass) == "accuracy" ? MulticlassFairness.AccuracyOnly : MulticlassFairness.OneVsRest);
            var exceeded = Exceeded(report, parse.GetValue(maxDp), parse.GetValue(maxEo));
            string dir = parse.GetValue(output) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, "audit");
            Directory.CreateDirectory(dir);
            AuditReport.Print(context.Out, report, data);
            var thresholds = new Dictionary<string, double?> { ["maxDemographicParityDifference"] = parse.GetValue(maxDp), ["maxEqualizedOddsDifference"] = parse.GetValue(maxEo) };
            AuditReport.WriteJson(Path.Combine(dir, "audit.json"), AuditReport.ToJson(report, modelPath, data, thresholds, exceeded));
            AuditReport.WriteHtml(Path.Combine(dir, "report.html"), report, modelPath, data, exceeded);
            context.Out.WriteLine();
            context.Out.WriteLine($"Wrote {Path.Combine(dir, "audit.json")} and {Path.Combine(dir, "report.html")}");
            if (exceeded.Count == 0) return ExitCodes.Success;
            foreach (var e in exceeded) context.Err.WriteLine($"mlnet-llm audit: {e}");
            return ExitCodes.FairnessThresholdExceeded;
        }));
        return command;
    }

    /// <summary>One line per disparity above its threshold (every one-vs-rest class is checked).</summary>
    internal static List<string> Exceeded(FairnessReport report, double? maxDp, double? maxEo)
    {
        var list = new List<string>();
        foreach (var r in report.Results)
        {
            string of = r.PositiveLabel is { } p && report.Results.Count > 1 ? $" (positive '{p}')" : "";
            var d = r.Disparities;
            if (maxDp is { } dp && d.DemographicParityDifference > dp)
                list.Add(string.Create(CultureInfo.InvariantCulture, $"demographic-parity difference {d.DemographicParityDifference:0.0000}{of} exceeds --max-dp-difference {dp}"));
            if (maxEo is { } eo && d.EqualizedOddsDifference > eo)
                list.Add(string.Create(CultureInfo.InvariantCulture, $"equalized-odds difference {d.EqualizedOddsDifference:0.0000}{of} exceeds --max-eo-difference {eo}"));
        }
        return list;
    }
}

using MLNetLlm.Cli.Evaluation;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.DataSteps;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Ui;

/// <summary>
/// What one page of the wizard shows: the model of a Razor view under Ui/Views (named <see cref="View"/>), which the
/// layout frames with the steps bar (<see cref="Step"/> highlighted, <see cref="Links"/> the steps reachable so far).
/// </summary>
internal abstract class UiPage
{
    public required string Title { get; init; }
    public string Step { get; init; } = "";
    public IReadOnlyDictionary<string, string>? Links { get; init; }
    /// <summary>A message shown in an alert box at the top of the page (bad input, a failed step).</summary>
    public string? Error { get; init; }
    /// <summary>The Razor view (Ui/Views/NAME.cshtml) that renders this page.</summary>
    public abstract string View { get; }
}

/// <summary>A page with only a message (errors, an unknown run).</summary>
internal sealed class MessagePage : UiPage
{
    public override string View => "Message";
}

/// <summary>A table: header cells and rows of text cells (the view encodes them).</summary>
internal sealed record TableModel(IReadOnlyList<string> Header, IEnumerable<IEnumerable<string>> Rows, string? Id = null, string? Caption = null);

/// <summary>A horizontal bar chart drawn as inline SVG (label distribution, class probabilities).</summary>
internal sealed record BarsModel(string Title, IReadOnlyList<(string Label, double Value)> Bars, string Format = "0");

internal sealed class ScenarioPage : UiPage
{
    public required Draft Draft { get; init; }
    public override string View => "Scenario";
}

internal sealed class DataPage : UiPage
{
    public required Draft Draft { get; init; }
    public required string MaxUpload { get; init; }
    public required string DatasetsFolder { get; init; }
    /// <summary>The workspace's data files: name, the columns step's URL, size.</summary>
    public required IReadOnlyList<(string Name, string Href, string Size)> Datasets { get; init; }
    public override string View => "Data";
}

/// <summary>One column of the data file: its inferred type and number of distinct values.</summary>
internal sealed record ColumnStats(string Name, string Type, int Distinct, double AvgLength);

internal sealed class ColumnsPage : UiPage
{
    public required Draft Draft { get; init; }
    public required DelimitedTable Table { get; init; }
    public required IReadOnlyList<ColumnStats> Columns { get; init; }
    public required string Label { get; init; }
    public required IReadOnlyList<string> Text { get; init; }
    /// <summary>Binary runs with a two-valued label: the values (most frequent first) and the one chosen as positive.</summary>
    public IReadOnlyList<string>? PositiveChoices { get; init; }
    public string? Positive { get; init; }
    public BarsModel? LabelDistribution { get; init; }
    public override string View => "Columns";
}

internal sealed class StepsPage : UiPage
{
    public required Draft Draft { get; init; }
    /// <summary>The first text column's first rows before and after normalization; null when the options are invalid.</summary>
    public TableModel? Preview { get; init; }
    public required string PreviewColumn { get; init; }
    public TableCleaner.Report? Report { get; init; }
    public required int Rows { get; init; }
    public override string View => "Steps";
}

internal sealed class TrainPage : UiPage
{
    public required Draft Draft { get; init; }
    public double Budget { get; init; } = 60;
    public override string View => "Train";
}

internal sealed class RunsPage : UiPage
{
    public required IReadOnlyList<RunManager.State> Runs { get; init; }
    public override string View => "Runs";
}

internal sealed class LivePage : UiPage
{
    public required RunManager.State Run { get; init; }
    public override string View => "Live";
}

/// <summary>The live part of the train page (status, chart, leaderboard): the page's first render and every server-sent update.</summary>
/// <param name="Run">The run, read from its folder.</param>
/// <param name="Update">Also carry the cancel button, out of band (the server sends it when whether the run can be cancelled changed).</param>
internal sealed record BoardModel(RunManager.State Run, bool Update);

/// <summary>The try-it box's answer: the texts typed, the prediction or an error.</summary>
internal sealed record TryResult(ModelPredictor? Predictor, IReadOnlyList<string>? Texts, Prediction.Prediction? Prediction, string? Error);

internal sealed class EvaluatePage : UiPage
{
    public required RunManager.State Run { get; init; }
    public MetricsReport? Metrics { get; init; }
    public ValidationReview? Review { get; init; }
    public required TryResult Try { get; init; }
    public override string View => "Evaluate";
}

internal sealed class ConsumePage : UiPage
{
    public required RunManager.State Run { get; init; }
    public Uri? Serving { get; init; }
    public override string View => "Consume";
}

using System.Globalization;
using MLNetLlm.AutoML.Benchmarks;

string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

string command = args.Length > 0 ? args[0] : "";
switch (command)
{
    case "tuners":
    {
        var functions = Arg("--functions", "branin,hartmann6,levy10").Split(',');
        var tuners = Arg("--tuners", "random,grid,gp,smac").Split(',');
        int seeds = int.Parse(Arg("--seeds", "30"), CultureInfo.InvariantCulture);
        var budgets = Arg("--budgets", "50,100").Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
        int parallel = int.Parse(Arg("--parallel", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var started = DateTime.UtcNow;
        string table = TunerBenchmark.Run(functions, tuners, seeds, budgets, parallel, Console.Out);
        Console.WriteLine();
        Console.WriteLine($"Median simple regret over {seeds} seeds; {Environment.ProcessorCount} cores; {started:yyyy-MM-dd HH:mm} UTC; {(DateTime.UtcNow - started).TotalMinutes:F1} min");
        Console.WriteLine(table);
        return 0;
    }
    case "spam":
    {
        string data = Arg("--data", "data/spam/full");
        double minutes = double.Parse(Arg("--minutes", "10"), CultureInfo.InvariantCulture);
        int parallel = int.Parse(Arg("--parallel", "2"), CultureInfo.InvariantCulture);
        int? maxTrials = args.Contains("--max-trials") ? int.Parse(Arg("--max-trials", "0"), CultureInfo.InvariantCulture) : null;
        string train = File.Exists(Path.Combine(data, "train.csv")) ? Path.Combine(data, "train.csv") : Path.Combine(data, "sample-train.csv");
        string test = File.Exists(Path.Combine(data, "test.csv")) ? Path.Combine(data, "test.csv") : Path.Combine(data, "sample-test.csv");
        var started = DateTime.UtcNow;
        var r = await SpamBenchmark.RunAsync(train, test, minutes * 60, maxTrials, parallel, linearOnly: args.Contains("--linear-only"), log: Console.Out);
        Console.WriteLine();
        Console.WriteLine($"{train} / {test}; {Environment.ProcessorCount} cores; {started:yyyy-MM-dd HH:mm} UTC");
        Console.WriteLine(r.Report);
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: tuners [--functions branin,hartmann6,levy10] [--tuners random,grid,gp,smac,cfo] [--seeds 30] [--budgets 50,100] [--parallel N]");
        Console.Error.WriteLine("       spam [--minutes 10] [--cores 2] [--data data/spam/full] [--max-trials N] [--linear-only]");
        return 1;
}

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
    default:
        Console.Error.WriteLine("usage: tuners [--functions branin,hartmann6,levy10] [--tuners random,grid,gp,smac,cfo] [--seeds 30] [--budgets 50,100] [--parallel N]");
        Console.Error.WriteLine("       spam [--minutes 10] [--cores 2] [--data data/spam/full]");
        return 1;
}

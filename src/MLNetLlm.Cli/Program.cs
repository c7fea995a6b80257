namespace MLNetLlm.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("mlnet-llm: no commands yet");
        return args.Length == 0 ? 0 : 1;
    }
}

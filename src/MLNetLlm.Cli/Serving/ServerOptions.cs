namespace MLNetLlm.Cli.Serving;

/// <summary>How <see cref="PredictionServer"/> listens and what requests it accepts.</summary>
internal sealed class ServerOptions
{
    /// <summary>The address to listen on. Default 127.0.0.1 (loopback only).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (the server reports which). Default 5000.</summary>
    public int Port { get; init; } = 5000;

    /// <summary>The largest request body accepted, in bytes; larger requests get 413. Default 1 MiB.</summary>
    public long MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary>The most rows one batch request may hold; more get 400. Default 256.</summary>
    public int MaxBatchSize { get; init; } = 256;

    /// <summary>Where a request that fails on the server's side (HTTP 500) is logged, one line each; null logs nothing. Default stderr.</summary>
    public TextWriter? ErrorLog { get; init; } = Console.Error;

    /// <summary>Whether <see cref="Host"/> is a loopback address (only this machine can connect).</summary>
    public bool IsLoopback => Host == "localhost" || (System.Net.IPAddress.TryParse(Host, out var ip) && System.Net.IPAddress.IsLoopback(ip));

    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new CliException($"--port must be between 0 and 65535, not {Port}.");
        if (MaxRequestBytes < 64) throw new CliException($"--max-request-bytes must be at least 64, not {MaxRequestBytes}.");
        if (MaxBatchSize < 1) throw new CliException($"--max-batch must be at least 1, not {MaxBatchSize}.");
        if (!System.Net.IPAddress.TryParse(Host, out _) && Host != "localhost")
            throw new CliException($"--host must be an IP address or localhost, not '{Host}'.");
    }
}

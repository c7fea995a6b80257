using System.Net;

namespace MLNetLlm.Cli.Ui;

/// <summary>How <c>mlnet-llm ui</c> serves the workspace.</summary>
internal sealed class UiOptions
{
    /// <summary>Default upload limit: 50 MB.</summary>
    public const long DefaultMaxUploadBytes = 50L * 1024 * 1024;

    /// <summary>The address to bind: 127.0.0.1 (default, loopback only), localhost, or an IP address. Beyond loopback an access token is required.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port; 0 (default) picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>The workspace folder: datasets/, runs/ and logs/ live there (created if missing).</summary>
    public required string Workspace { get; init; }

    /// <summary>The largest upload accepted, in bytes (default <see cref="DefaultMaxUploadBytes"/>).</summary>
    public long MaxUploadBytes { get; init; } = DefaultMaxUploadBytes;

    /// <summary>The access token every request must carry (once, as ?token=…; then a cookie); null: none (loopback only).</summary>
    public string? Token { get; init; }

    /// <summary>Whether <see cref="Host"/> is a loopback address.</summary>
    public bool IsLoopback => Host == "localhost" || (IPAddress.TryParse(Host, out var ip) && IPAddress.IsLoopback(ip));

    public void Validate()
    {
        if (Port is < 0 or > 65535) throw new CliException($"--port {Port} is not a port (0-65535; 0 picks a free one).");
        if (Host != "localhost" && !IPAddress.TryParse(Host, out _)) throw new CliException($"--host '{Host}' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0) or localhost.");
        if (MaxUploadBytes <= 0) throw new CliException("--max-upload-mb must be positive.");
        if (!IsLoopback && string.IsNullOrEmpty(Token)) throw new CliException($"--host {Host} serves beyond this machine: an access token is required (it is generated unless --token is given).");
    }
}

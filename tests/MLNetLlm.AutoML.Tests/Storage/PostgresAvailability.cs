using Npgsql;

namespace MLNetLlm.AutoML.Tests.Storage;

/// <summary>
/// Where the PostgreSQL tests connect: env MLNETLLM_PG (scripts/prereqs.sh sets it up). Without a reachable server
/// the tests are skipped locally, but in CI (env CI=true) they run and fail, so a broken setup cannot pass silently.
/// </summary>
internal static class PostgresAvailability
{
    static readonly Lazy<string?> Reason = new(Check);

    public static string? ConnectionString => Environment.GetEnvironmentVariable("MLNETLLM_PG");

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the tests cannot run here, or null when they can (or must, in CI).</summary>
    public static string? SkipReason => InCi ? null : Reason.Value;

    static string? Check()
    {
        var cs = ConnectionString;
        if (string.IsNullOrWhiteSpace(cs)) return "MLNETLLM_PG is not set (scripts/prereqs.sh ensure_need_postgres sets up a local server and exports it)";
        try
        {
            var b = new NpgsqlConnectionStringBuilder(cs) { Timeout = 15 }; // generous: a loaded machine can take seconds to accept
            using var c = new NpgsqlConnection(b.ConnectionString);
            c.Open();
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return $"PostgreSQL at MLNETLLM_PG is not reachable: {e.Message}";
        }
    }
}

/// <summary>A fact that needs PostgreSQL (see <see cref="PostgresAvailability"/>).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresAvailability.SkipReason is string reason) Skip = reason;
    }
}

/// <summary>A theory that needs PostgreSQL (see <see cref="PostgresAvailability"/>).</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PostgresAvailability.SkipReason is string reason) Skip = reason;
    }
}

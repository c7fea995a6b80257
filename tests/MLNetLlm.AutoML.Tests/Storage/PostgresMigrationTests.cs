using MLNetLlm.AutoML.SearchSpaces;
using MLNetLlm.AutoML.Storage;
using Npgsql;

namespace MLNetLlm.AutoML.Tests.Storage;

/// <summary>
/// A PostgreSQL study written by an earlier version (no parameters_hash, no fidelity column) is migrated in place when a
/// storage opens it: the columns are added, old trials get their hash and read as full fidelity, new trials keep theirs.
/// Each test works in a schema of its own (search path), so the shared tables of the other tests are never touched.
/// </summary>
public sealed class PostgresMigrationTests
{
    [PostgresFact]
    public async Task AnEarlierSchemaGetsTheHashAndFidelityColumnsAndKeepsItsTrials()
    {
        string schema = $"migration_{Guid.NewGuid():N}";
        var admin = new NpgsqlConnectionStringBuilder(PostgresAvailability.ConnectionString!);
        await using (var c = new NpgsqlConnection(admin.ConnectionString))
        {
            await c.OpenAsync();
            await Exec(c, $"CREATE SCHEMA {schema}");
        }
        var scoped = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { SearchPath = schema };
        try
        {
            var old = Parameter.FromJson("{\"level\":{\"X\":0.5}}");
            await using (var c = new NpgsqlConnection(scoped.ConnectionString))
            {
                await c.OpenAsync();
                // the schema of the first PostgreSQL storage: no parameters_hash, no fidelity
                await Exec(c, "CREATE TABLE automl_studies (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE, metric TEXT NOT NULL, maximize INT NOT NULL, created_ms BIGINT NOT NULL)");
                await Exec(c, "CREATE TABLE automl_trials (id BIGSERIAL PRIMARY KEY, study_id INT NOT NULL REFERENCES automl_studies(id), number INT NOT NULL, " +
                    "status TEXT NOT NULL, parameters TEXT NOT NULL, pipeline TEXT, metric DOUBLE PRECISION, loss DOUBLE PRECISION, duration_ms DOUBLE PRECISION, " +
                    "peak_memory BIGINT, error TEXT, worker TEXT, attempts INT NOT NULL DEFAULT 0, lease_expires_ms BIGINT, created_ms BIGINT NOT NULL, finished_ms BIGINT, " +
                    "UNIQUE (study_id, number))");
                await Exec(c, "INSERT INTO automl_studies (name, metric, maximize, created_ms) VALUES ('old', 'quality', 1, 0)");
                await Exec(c, $"INSERT INTO automl_trials (study_id, number, status, parameters, metric, loss, created_ms) VALUES (1, 1, 'Completed', '{old.ToJson()}', 0.5, -0.5, 0)");
            }

            using var storage = new PostgresTrialStorage(scoped.ConnectionString);
            var study = await storage.OpenStudyAsync("old", "quality", true);
            var before = (await storage.GetTrialsAsync(study.Id)).Single();
            Assert.Equal((1, 1.0, 0.5), (before.Number, before.Fidelity, before.Metric));

            var t = await storage.CreateTrialAsync(study.Id, null, _ => (Parameter.FromJson("{\"level\":{\"X\":0.25}}"), null), "w", TimeSpan.FromMinutes(1), 1.0 / 9);
            var q = await storage.EnqueueTrialAsync(study.Id, old, "p", 1.0 / 3); // a promotion of the old trial's configuration
            var all = await storage.GetTrialsAsync(study.Id);
            Assert.Equal([1, 2, 3], all.Select(x => x.Number).ToArray());
            Assert.Equal([1.0, 1.0 / 9, 1.0 / 3], all.Select(x => x.Fidelity).ToArray());
            Assert.Equal((1.0 / 9, 1.0 / 3), (t!.Fidelity, q.Fidelity));

            // the migration hashed the old row: the same configuration is found by hash, a new one is not
            await using var check = new NpgsqlConnection(scoped.ConnectionString);
            await check.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT number FROM automl_trials WHERE parameters_hash = @h ORDER BY number", check);
            cmd.Parameters.AddWithValue("h", old.Hash);
            var sameHash = new List<int>();
            await using (var r = await cmd.ExecuteReaderAsync())
                while (await r.ReadAsync()) sameHash.Add(r.GetInt32(0));
            Assert.Equal([1, 3], sameHash);

            // a second storage on the migrated schema (another worker, or a resume) changes nothing more
            using var again = new PostgresTrialStorage(scoped.ConnectionString);
            var reopened = await again.OpenStudyAsync("old", "quality", true);
            Assert.Equal(all.Select(x => (x.Number, x.Fidelity)), (await again.GetTrialsAsync(reopened.Id)).Select(x => (x.Number, x.Fidelity)));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(admin.ConnectionString);
            await c.OpenAsync();
            await Exec(c, $"DROP SCHEMA {schema} CASCADE");
        }
    }

    static async Task Exec(NpgsqlConnection c, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, c);
        await cmd.ExecuteNonQueryAsync();
    }
}

using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using MLNetLlm.Cli.Prediction;
using MLNetLlm.Cli.Serving;
using MLNetLlm.Cli.Tests.Support;
using Xunit.Abstractions;

namespace MLNetLlm.Cli.Tests.Serving;

[Collection(TrainedModelsCollection.Name)]
public sealed class PredictionServerTests(TrainedModels models, ITestOutputHelper log)
{
    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    async Task<(PredictionServer Server, HttpClient Client)> Start(string model, ServerOptions? options = null)
    {
        var server = await PredictionServer.StartAsync(ModelPredictor.Load(model), options ?? new ServerOptions { Port = 0 });
        Assert.Equal("127.0.0.1", server.Address.Host);
        return (server, new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(30) });
    }

    static async Task<(HttpStatusCode Status, JsonElement Body)> Post(HttpClient client, string json)
    {
        using var response = await client.PostAsync("predict", Json(json));
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task HealthMetadataSingleAndBatchPredictions()
    {
        var (server, client) = await Start(models.BinaryModel);
        await using (server)
        using (client)
        {
            Assert.Equal("ok", JsonDocument.Parse(await client.GetStringAsync("health")).RootElement.GetProperty("status").GetString());
            var meta = JsonDocument.Parse(await client.GetStringAsync("metadata")).RootElement;
            Assert.Equal("binary", meta.GetProperty("task").GetString());
            Assert.Equal("Text", meta.GetProperty("textColumns")[0].GetString());
            Assert.Equal("spam", meta.GetProperty("positiveLabel").GetString());

            var (status, one) = await Post(client, "{\"Text\": \"free cash prize winner click\"}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("spam", one.GetProperty("predictedLabel").GetString());
            Assert.InRange(one.GetProperty("probability").GetDouble(), 0.5, 1.0);

            var (batchStatus, batch) = await Post(client, "[{\"Text\": \"meeting agenda project review\"}, {\"Text\": \"cheap viagra offer money urgent\"}]");
            Assert.Equal(HttpStatusCode.OK, batchStatus);
            Assert.Equal(["ham", "spam"], batch.EnumerateArray().Select(p => p.GetProperty("predictedLabel").GetString()!));
        }
    }

    [Theory]
    [InlineData("{\"Body\": \"hi\"}", "'Text' is missing")]
    [InlineData("{\"Text\": [1, 2]}", "must be a string")]
    [InlineData("[]", "empty")]
    [InlineData("[{\"Text\": \"ok\"}, 5]", "Row 1")]
    [InlineData("[{\"Text\": \"ok\"}, {\"Txt\": \"x\"}]", "row 1 of the batch")]
    [InlineData("\"just text\"", "JSON object")]
    [InlineData("{\"Text\": ", "not valid JSON")]
    public async Task BadRequestsGet400NamingTheProblem(string body, string fragment)
    {
        var (server, client) = await Start(models.BinaryModel);
        await using (server)
        using (client)
        {
            var (status, error) = await Post(client, body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains(fragment, error.GetProperty("error").GetString());
        }
    }

    /// <summary>Text that cannot be decoded, or is not text at all, is the client's error: 400 with a message, and nothing is logged as a 500.</summary>
    [Theory]
    [InlineData("{\"Text\": \"\\ud800\"}", "not valid text")]
    [InlineData("{\"Text\": \"ok \\udc00 then\"}", "unpaired UTF-16 surrogate")]
    [InlineData("{\"Text\": 123}", "must be a string, not a number")]
    [InlineData("{\"Text\": true}", "must be a string")]
    [InlineData("{\"Text\": null}", "must be a string")]
    [InlineData("[{\"Text\": \"ok\"}, {\"Text\": 5}]", "Row 1 of the batch: property 'Text' must be a string")]
    [InlineData("[{\"Text\": \"ok\"}, {\"Text\": \"\\ud800\"}]", "Row 1 of the batch: property 'Text' is not valid text")]
    public async Task UndecodableOrNonStringTextGets400AndNo500IsLogged(string body, string fragment)
    {
        var log500 = new StringWriter();
        var (server, client) = await Start(models.BinaryModel, new ServerOptions { Port = 0, ErrorLog = log500 });
        await using (server)
        using (client)
        {
            var (status, error) = await Post(client, body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains(fragment, error.GetProperty("error").GetString());
            var (ok, _) = await Post(client, "{\"Text\": \"free cash prize\"}"); // the server is fine afterwards
            Assert.Equal(HttpStatusCode.OK, ok);
        }
        Assert.Equal("", log500.ToString());
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x41 })]                 // not UTF-8 at all
    [InlineData(new byte[] { 0xC3, 0x28 })]                       // a broken two-byte sequence
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]                 // a UTF-8-encoded surrogate (CESU)
    public async Task InvalidUtf8InTheBodyGets400AndNo500IsLogged(byte[] bad)
    {
        var log500 = new StringWriter();
        var (server, client) = await Start(models.BinaryModel, new ServerOptions { Port = 0, ErrorLog = log500 });
        await using (server)
        using (client)
        {
            byte[] body = [.. "{\"Text\": \"hello "u8.ToArray(), .. bad, .. " world\"}"u8.ToArray()];
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await client.PostAsync("predict", content);
            string text = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            string message = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
            Assert.True(message.Contains("UTF-8"), message);
        }
        Assert.Equal("", log500.ToString());
    }

    [Fact]
    public async Task OversizedRequestsAndBatchesAreRefused()
    {
        var (server, client) = await Start(models.BinaryModel, new ServerOptions { Port = 0, MaxRequestBytes = 200, MaxBatchSize = 2 });
        await using (server)
        using (client)
        {
            var (status, error) = await Post(client, "{\"Text\": \"" + new string('x', 500) + "\"}");
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
            Assert.Contains("200 bytes", error.GetProperty("error").GetString());

            var (batchStatus, batchError) = await Post(client, "[{\"Text\":\"a\"},{\"Text\":\"b\"},{\"Text\":\"c\"}]");
            Assert.Equal(HttpStatusCode.BadRequest, batchStatus);
            Assert.Contains("at most 2", batchError.GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task SentencePairModelNeedsBothColumns()
    {
        var (server, client) = await Start(models.PairsModel);
        await using (server)
        using (client)
        {
            var (ok, body) = await Post(client, "{\"Sentence1\": \"free cash\", \"Sentence2\": \"prize winner\"}");
            Assert.Equal(HttpStatusCode.OK, ok);
            Assert.True(body.TryGetProperty("score", out _));
            var (bad, error) = await Post(client, "{\"Sentence1\": \"free cash\"}");
            Assert.Equal(HttpStatusCode.BadRequest, bad);
            Assert.Contains("'Sentence2'", error.GetProperty("error").GetString());
        }
    }

    /// <summary>A bounded load test on loopback: 2,000 requests from 8 concurrent clients, no errors, answers match
    /// single-threaded predictions; p50/p99 go to the test output (no timing assertions).</summary>
    [Fact]
    public async Task ConcurrentLoadGivesConsistentAnswersWithoutErrors()
    {
        var (server, client) = await Start(models.MulticlassModel);
        await using (server)
        using (client)
        {
            string[] texts = ["goal match league coach", "free cash prize winner", "meeting agenda report notes", "the team season cup referee"];
            var predictor = ModelPredictor.Load(models.MulticlassModel);
            var expected = texts.Select(t => predictor.Predict([t]).Label).ToArray();

            const int total = 2000, workers = 8;
            var latencies = new double[total];
            int next = -1, errors = 0, mismatches = 0;
            var deadline = Stopwatch.StartNew();
            var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < total && deadline.Elapsed < TimeSpan.FromMinutes(1))
                {
                    int k = i % texts.Length;
                    var sw = Stopwatch.StartNew();
                    using var response = await client.PostAsync("predict", Json(JsonSerializer.Serialize(new Dictionary<string, string> { ["Text"] = texts[k] })));
                    string body = await response.Content.ReadAsStringAsync();
                    latencies[i] = sw.Elapsed.TotalMilliseconds;
                    if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref errors); continue; }
                    if (JsonDocument.Parse(body).RootElement.GetProperty("predictedLabel").GetString() != expected[k]) Interlocked.Increment(ref mismatches);
                }
            })).ToArray();
            await Task.WhenAll(tasks);
            int done = Math.Min(total, next);
            Assert.Equal(total, done);
            Assert.Equal(0, errors);
            Assert.Equal(0, mismatches);
            var sorted = latencies.Order().ToArray();
            log.WriteLine($"load test: {total} requests, {workers} concurrent, {deadline.Elapsed.TotalSeconds:0.00}s, " +
                          $"{total / deadline.Elapsed.TotalSeconds:0} req/s, p50 {sorted[total / 2]:0.00} ms, p99 {sorted[total * 99 / 100]:0.00} ms");
        }
    }
}

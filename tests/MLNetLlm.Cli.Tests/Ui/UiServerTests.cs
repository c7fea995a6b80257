using System.Net;
using System.Text;
using MLNetLlm.Cli.Tests.Support;
using MLNetLlm.Cli.Ui;
using MLNetLlm.IO;

namespace MLNetLlm.Cli.Tests.Ui;

/// <summary>The UI without a browser: the import's all-or-nothing rule, the access token beyond loopback, the <c>ui</c> verb's option errors.</summary>
public sealed class UiServerTests : IDisposable
{
    readonly TempFolder _tmp = new();

    [Fact]
    public async Task AnImportChecksTheFileBeforeItEntersTheWorkspace()
    {
        var ws = new Workspace(_tmp.File("ws"));
        string[] Files() => Directory.EnumerateFiles(ws.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(ws.Root, f)).Order().ToArray();
        var bad = Encoding.UTF8.GetBytes("Label,Text\nham,ok\nspam,\"open\n");
        var ex = await Assert.ThrowsAsync<DataFileException>(() => ws.ImportAsync("../evil name.csv", new MemoryStream(bad), 1 << 20, default));
        Assert.Contains("'evil_name.csv': the quoted field that starts on line 3 is never closed", ex.Message);
        Assert.Empty(Files());
        var tooBig = await Assert.ThrowsAsync<DataFileException>(() => ws.ImportAsync("big.csv", new MemoryStream(new byte[2048]), 1024, default));
        Assert.Contains("larger than the upload limit of 1 KB", tooBig.Message);
        Assert.Empty(Files());

        var good = Encoding.UTF8.GetBytes("Label,Text\nham,see you at lunch\nspam,free cash\n");
        Assert.Equal("data.csv", await ws.ImportAsync("data.csv", new MemoryStream(good), 1 << 20, default));
        Assert.Equal("data-2.csv", await ws.ImportAsync("data.csv", new MemoryStream(good), 1 << 20, default)); // never overwrites
        Assert.Equal([Path.Combine("datasets", "data-2.csv"), Path.Combine("datasets", "data.csv")], Files());
        Assert.Equal(good, File.ReadAllBytes(Path.Combine(ws.Datasets, "data.csv")));
    }

    [Fact]
    public async Task BeyondLoopbackEveryRequestNeedsTheToken()
    {
        Assert.Throws<CliException>(() => new UiOptions { Host = "0.0.0.0", Workspace = _tmp.Path }.Validate());
        await using var server = await UiServer.StartAsync(new UiOptions { Host = "127.0.0.1", Workspace = _tmp.File("ws"), Token = "s3cret" });
        using var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = server.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/?token=wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/?token=s3cret")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/data")).StatusCode); // the cookie set by the first visit
    }

    [Fact]
    public void TheUiVerbNamesABadOption()
    {
        CliResult.Run("ui", "--port", "70000", "--workspace", _tmp.File("ws")).AssertOneLineError("--port 70000");
        CliResult.Run("ui", "--max-upload-mb", "0", "--workspace", _tmp.File("ws")).AssertOneLineError("--max-upload-mb");
    }

    public void Dispose() => _tmp.Dispose();
}

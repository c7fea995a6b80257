namespace MLNetLlm.Cli.Tests.Ui;

/// <summary>
/// A browser test: it drives Debian's chromium (<see cref="UiHarness.Chromium"/>) with Playwright and never downloads a
/// browser. Skipped, with the reason, only when chromium is not installed; scripts/test.sh (and so CI) installs it, and
/// with MLNETLLM_REQUIRE_BROWSER=1 a missing chromium fails instead of skipping.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!File.Exists(UiHarness.Chromium) && Environment.GetEnvironmentVariable("MLNETLLM_REQUIRE_BROWSER") != "1")
            Skip = $"chromium is not installed at {UiHarness.Chromium} (apt-get install chromium, or bash scripts/test.sh which installs it): the browser tests of mlnet-llm ui cannot run.";
    }
}

/// <summary>A <see cref="BrowserFactAttribute"/> with data.</summary>
public sealed class BrowserTheoryAttribute : TheoryAttribute
{
    public BrowserTheoryAttribute()
    {
        if (!File.Exists(UiHarness.Chromium) && Environment.GetEnvironmentVariable("MLNETLLM_REQUIRE_BROWSER") != "1")
            Skip = new BrowserFactAttribute().Skip;
    }
}

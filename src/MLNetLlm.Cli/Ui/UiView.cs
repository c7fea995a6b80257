using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MLNetLlm.Cli.Ui;

/// <summary>
/// A page or a fragment rendered by its Razor view (Ui/Views/NAME.cshtml, compiled into the tool): the endpoints stay
/// minimal-API handlers and answer with one of these. A whole page (<see cref="UiPage"/>) gets the layout; a fragment
/// (a partial view: the live leaderboard, the try-it answer, the cancel button) is only itself.
/// </summary>
internal sealed class UiView(string view, object model, bool page, int status = 200) : IResult
{
    /// <summary>The whole page <paramref name="model"/> (its <see cref="UiPage.View"/>, in the layout).</summary>
    public static UiView Page(UiPage model, int status = 200) => new(model.View, model, true, status);

    /// <summary>The partial view <paramref name="view"/> (e.g. "_Board") of <paramref name="model"/>, without the layout.</summary>
    public static UiView Fragment(string view, object model, int status = 200) => new(view, model, false, status);

    public async Task ExecuteAsync(HttpContext http)
    {
        string html = await RenderAsync(http, view, model, page);
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(html, http.RequestAborted);
    }

    /// <summary>Renders a view to a string (a page with its layout when <paramref name="page"/>; a fragment for the server-sent leaderboard otherwise).</summary>
    public static async Task<string> RenderAsync(HttpContext http, string view, object model, bool page)
    {
        var services = http.RequestServices;
        string path = $"/Ui/Views/{view}.cshtml";
        var found = services.GetRequiredService<IRazorViewEngine>().GetView(executingFilePath: null, viewPath: path, isMainPage: page);
        if (!found.Success) throw new InvalidOperationException($"The view {path} is not compiled into mlnet-llm (looked at {string.Join(", ", found.SearchedLocations)}).");
        var action = new ActionContext(http, http.GetRouteData(), new ActionDescriptor());
        var data = new ViewDataDictionary(services.GetRequiredService<IModelMetadataProvider>(), new ModelStateDictionary()) { Model = model };
        await using var writer = new StringWriter();
        var context = new ViewContext(action, found.View, data, new TempDataDictionary(http, NoTempData.Instance), writer, new HtmlHelperOptions());
        await found.View.RenderAsync(context);
        return writer.ToString();
    }

    /// <summary>The pages keep no state between requests (everything is in the URL or the run folder): no temp data, no cookie for it.</summary>
    sealed class NoTempData : ITempDataProvider
    {
        public static readonly NoTempData Instance = new();
        public IDictionary<string, object> LoadTempData(HttpContext context) => new Dictionary<string, object>();
        public void SaveTempData(HttpContext context, IDictionary<string, object> values) { }
    }
}

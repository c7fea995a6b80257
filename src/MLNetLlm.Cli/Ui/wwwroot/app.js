// mlnet-llm ui: the live leaderboard. Each element with data-live="URL" is replaced by the server-sent "board" events
// of that URL (status, best-so-far chart, leaderboard); "done" ends the stream when the run has ended.
document.querySelectorAll("[data-live]").forEach(function (el) {
  var source = new EventSource(el.getAttribute("data-live"));
  source.addEventListener("board", function (e) {
    el.innerHTML = e.data;
    var cancel = document.getElementById("cancel");
    var status = el.querySelector("#status");
    if (cancel && status && status.getAttribute("data-status") !== "running") cancel.disabled = true;
  });
  source.addEventListener("done", function () { source.close(); el.setAttribute("data-done", "true"); });
});

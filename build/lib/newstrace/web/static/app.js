// newstrace web UI: poll a job's progress (no inline script; CSP script-src 'self').
(function () {
  "use strict";
  var el = document.getElementById("job");
  if (!el) return;
  var id = el.getAttribute("data-job");
  var state = document.getElementById("job-state");
  var bar = document.getElementById("job-progress");
  var errs = document.getElementById("job-errors");
  function show(job) {
    state.textContent = job.state + (job.message ? " — " + job.message : "") +
      " (" + job.done + (job.total != null ? " / " + job.total : "") + ")";
    if (job.total) { bar.max = job.total; bar.value = job.done; }
    errs.textContent = "";
    (job.errors || []).forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = e.source + ": " + e.reason;  // textContent: never parsed as HTML
      errs.appendChild(li);
    });
    if (job.state === "done" || job.state === "failed") {
      el.setAttribute("data-finished", job.state);
      return;
    }
    setTimeout(poll, 500);
  }
  function poll() {
    fetch("/api/jobs/" + encodeURIComponent(id)).then(function (r) { return r.json(); })
      .then(show).catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();

// Live progress without reloading: every 2 s, ask /live for the state and progress of the
// orders this page shows that are not finished, and redraw their badges and bars.
(function () {
  "use strict";
  var FINISHED = ["COMPLETED", "REJECTED", "FAILED", "CANCELLED"];
  function watched() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-order]"), function (el) {
      var badge = el.querySelector("[data-state]");
      return badge && FINISHED.indexOf(badge.textContent.trim()) < 0;
    });
  }
  function draw(el, row) {
    var badge = el.querySelector("[data-state]");
    if (badge.textContent.trim() !== row.state) { badge.textContent = row.state; }
    badge.className = "badge m-" + row.meaning;
    var bar = el.querySelector("[data-progress] progress");
    var count = el.querySelector("[data-progress] .count");
    if (bar && row.total !== null) {
      bar.hidden = false; bar.max = row.total; bar.value = row.current || 0;
      count.textContent = (row.current || 0) + "/" + row.total;
    }
    var version = el.getAttribute("data-version");
    var changed = el.querySelector(".changed");
    if (version && changed && String(row.version) !== version) { changed.hidden = false; }
  }
  function poll() {
    var els = watched();
    if (!els.length) { return; }
    var ids = els.map(function (el) { return el.getAttribute("data-order"); });
    fetch("/live?ids=" + encodeURIComponent(ids.join(",")), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (rows) { els.forEach(function (el) {
        var row = rows[el.getAttribute("data-order")];
        if (row) { draw(el, row); }
      }); })
      .catch(function () {});
  }
  if (!document.querySelector(".asof")) { setInterval(poll, 2000); }
})();

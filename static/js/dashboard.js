// Dashboard: draw the server-built plotly figures and turn chart clicks into drilldowns.
// Figures arrive as JSON in <script type="application/json">, so no inline script is needed.
(function () {
  "use strict";

  function drillTo(period) {
    const url = new URL(window.location.href);
    url.searchParams.set("period", period);
    url.searchParams.delete("dpage");
    url.searchParams.delete("ppage");
    url.hash = "drilldown";
    window.location.assign(url.toString());
  }

  document.querySelectorAll("[data-chart]").forEach((element) => {
    const source = document.getElementById(element.dataset.chart);
    if (!source) return;
    const figure = JSON.parse(source.textContent);
    const config = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
    window.Plotly.newPlot(element, figure.data, figure.layout, config).then(() => {
      element.on("plotly_click", (event) => {
        const point = event.points && event.points[0];
        // customdata is [period start, label, note] (metrics/charts.py).
        const data = point && point.customdata;
        const start = Array.isArray(data) ? data[0] : data;
        if (start) drillTo(String(start).slice(0, 10));
      });
    });
  });

  // Custom dates only matter for a custom range; picking one switches the range to custom.
  const weeks = document.getElementById("filter-weeks");
  if (weeks) {
    const dates = document.querySelectorAll(".custom-range input");
    const sync = () => dates.forEach((input) => { input.disabled = weeks.value !== "custom"; });
    weeks.addEventListener("change", sync);
    dates.forEach((input) => input.addEventListener("focus", () => {
      if (weeks.value !== "custom") { weeks.value = "custom"; sync(); }
    }));
    sync();
  }
})();

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

// Pickers (metrics.filters.PickerCheckboxes): type to narrow the list; the summary says
// what is chosen; Escape or a click elsewhere closes an open one.
(function () {
  "use strict";
  const pickers = document.querySelectorAll("[data-picker]");

  function summarize(picker) {
    const chosen = [...picker.querySelectorAll("input[type=checkbox]:checked")];
    const text = chosen.length === 0 ? "All"
      : chosen.length === 1 ? chosen[0].parentElement.textContent.trim()
      : `${chosen.length} selected`;
    picker.querySelector(".picker-summary").textContent = text;
  }

  pickers.forEach((picker) => {
    const search = picker.querySelector(".picker-search");
    if (search) {
      search.addEventListener("input", () => {
        const needle = search.value.trim().toLowerCase();
        picker.querySelectorAll(".picker-option").forEach((option) => {
          option.hidden = needle !== "" && !option.textContent.toLowerCase().includes(needle);
        });
      });
      picker.addEventListener("toggle", () => { if (picker.open) search.focus(); });
    }
    picker.addEventListener("change", () => summarize(picker));
    picker.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && picker.open) {
        picker.open = false;
        picker.querySelector("summary").focus();
      }
    });
  });

  document.addEventListener("click", (event) => {
    pickers.forEach((picker) => { if (picker.open && !picker.contains(event.target)) picker.open = false; });
  });
})();

/* The reports' charts (pages/reports.py, templates/_report.html): every element with a
   data-chart attribute names a <script type="application/json"> block (the CSP forbids
   inline scripts) holding its data as reporting/render.chart writes it. Values come as
   fen (unit "fen": shown as yuan) or basis points ("bp": shown as percent). */
(function () {
  "use strict";

  function scaled(unit, v) {
    if (v === null || v === undefined) return null;
    return unit === "fen" || unit === "bp" ? v / 100 : v;
  }

  function label(unit, v) {
    if (v === null || v === undefined || isNaN(v)) return "—";
    if (unit === "fen") return "¥" + Number(v).toFixed(2);
    if (unit === "bp") return Number(v).toFixed(2) + "%";
    return String(v);
  }

  function option(spec) {
    var unit = spec.unit;
    var fmt = function (v) { return label(unit, v); };
    var base = {
      animation: false,
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      legend: { top: 0, type: "scroll" },
      tooltip: { trigger: spec.pie ? "item" : "axis", valueFormatter: fmt }
    };
    if (spec.pie) {
      var s = spec.series[0] || { values: [] };
      base.series = [{
        type: "pie", name: s.name, radius: ["35%", "65%"], top: 30,
        data: spec.x.map(function (x, i) { return { name: x, value: scaled(unit, s.values[i]) }; })
      }];
      return base;
    }
    base.grid = { left: 12, right: 16, top: 40, bottom: 8, containLabel: true };
    base.xAxis = { type: "category", data: spec.x };
    base.yAxis = { type: "value", axisLabel: { formatter: fmt }, minInterval: unit === "int" ? 1 : 0 };
    base.series = spec.series.map(function (s) {
      var out = {
        type: s.type, name: s.name,
        data: s.values.map(function (v) { return scaled(unit, v); })
      };
      if (s.stack) out.stack = s.stack;
      if (s.dashed) {  // a target: a reference line, no points
        out.showSymbol = false;
        out.lineStyle = { type: "dashed", width: 1 };
      }
      return out;
    });
    return base;
  }

  var drawn = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var data = document.getElementById(el.getAttribute("data-chart"));
    if (!data || !window.echarts) return;
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(JSON.parse(data.textContent)));
    el.setAttribute("data-drawn", "1");
    drawn.push(chart);
  });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { drawn.forEach(function (c) { c.resize(); }); }, 100);
  });
})();

// 项目总览: draws the done-versus-due chart from the JSON the page carries.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("done-vs-due");
    var source = document.getElementById("done-vs-due-data");
    if (!holder || !source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 4, data: ["应完成（累计）", "已完成（累计）"] },
      grid: { left: 48, right: 24, top: 40, bottom: 32 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "应完成（累计）", type: "line", data: data.due, itemStyle: { color: "#5b6b7a" } },
        { name: "已完成（累计）", type: "line", data: data.done, areaStyle: { opacity: 0.15 }, itemStyle: { color: "#1b7a3a" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();

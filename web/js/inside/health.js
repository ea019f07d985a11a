/**
 * Gradient health over training: two small uPlot charts of Playground.health(), one line a layer.
 *
 * - the mean |∂L/∂W| of each layer (log scale): a deep sigmoid network's first layers get far
 *   smaller gradients than its last, and a too-high learning rate makes them jump;
 * - the share of dead ReLU units in each ReLU layer (units that output 0 on every training
 *   point, and so pass no gradient back).
 *
 *   const health = createHealth(element);
 *   health.render(Playground.health())
 */

import uPlot from "../../vendor/uplot/uPlot.esm.js";

const COLOURS = ["#0877bd", "#f59322", "#237a3b", "#7b3fa0", "#d93025", "#00838f", "#5f6368", "#a85507", "#183d4e", "#c2185b", "#2e7d32"];

export function createHealth(element) {
  element.innerHTML = `
    <figure class="chart" data-chart="grad"><figcaption>Mean |∂L/∂W| per layer (log scale)</figcaption><div class="chart-plot"></div></figure>
    <figure class="chart" data-chart="dead"><figcaption>Share of dead ReLU units per layer</figcaption><div class="chart-plot"></div></figure>
    <p class="muted health-note"></p>`;
  const gradEl = element.querySelector('[data-chart="grad"] .chart-plot');
  const deadEl = element.querySelector('[data-chart="dead"] .chart-plot');
  const deadFigure = element.querySelector('[data-chart="dead"]');
  const note = element.querySelector(".health-note");
  let plots = [];

  function options(width, series, log, range) {
    return {
      width, height: 150,
      legend: { show: true, live: false },
      cursor: { show: false },
      scales: { x: { time: false }, y: log ? { distr: 3 } : { range } },
      axes: [
        { size: 24, font: "10px system-ui, sans-serif", grid: { stroke: "#eceff1" } },
        { size: 44, font: "10px system-ui, sans-serif", grid: { stroke: "#eceff1" },
          values: (u, v) => v.map((x) => (x == null ? "" : log ? x.toExponential(0) : Math.round(x * 100) + "%")) }, // uPlot may pass null ticks
      ],
      series: [{ label: "epoch" }, ...series],
    };
  }

  function render(health) {
    for (const p of plots) p.destroy();
    plots = [];
    const n = health.epoch.length;
    element.dataset.samples = String(n);
    if (!n) {
      note.textContent = "Train a little (Step, or Take this step): the charts follow the gradients as the network trains.";
      deadFigure.hidden = true;
      return;
    }
    const L = health.layers.length;
    const name = (i) => (i === L - 1 ? "output" : `layer ${i + 1}`);
    const width = Math.max(220, Math.min(460, Math.floor(element.clientWidth / 2) - 10));
    const grad = [health.epoch, ...Array.from({ length: L }, (_, i) => health.grad.map((g) => Math.max(g[i], 1e-12)))];
    plots.push(new uPlot(options(width, Array.from({ length: L }, (_, i) => ({
      label: name(i), stroke: COLOURS[i % COLOURS.length], width: 1.5 })), true), grad, gradEl));
    const relu = health.layers.map((a, i) => (a === "relu" ? i : -1)).filter((i) => i >= 0);
    deadFigure.hidden = relu.length === 0;
    if (relu.length) {
      const dead = [health.epoch, ...relu.map((i) => health.dead.map((d) => d[i]))];
      plots.push(new uPlot(options(width, relu.map((i) => ({
        label: name(i), stroke: COLOURS[i % COLOURS.length], width: 1.5 })), false, [0, 1]), dead, deadEl));
    }
    const last = health.grad[n - 1];
    note.textContent = `${n} samples, one a snapshot of training. Latest mean |∂L/∂W|: ` +
      last.map((g, i) => `${name(i)} ${g == null ? "–" : g.toExponential(2)}`).join(", ") + "." +
      (relu.length ? ` Dead ReLU units now: ${relu.map((i) => `${name(i)} ${Math.round(health.dead[n - 1][i] * 100)} %`).join(", ")}.`
        : " No ReLU layers: no dead units to count.");
  }

  return { render, element };
}

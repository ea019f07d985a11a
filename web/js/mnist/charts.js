/**
 * Live loss and accuracy charts (uPlot). The training loss is drawn as it comes, one point per
 * chunk at its fractional epoch; test loss and both accuracies once per completed epoch.
 *
 *   const charts = createCharts(element);
 *   charts.chunk(epochFloat, loss);   charts.epoch(record);   charts.clear();
 */

import uPlot from "../../vendor/uplot/uPlot.esm.js";
import { distinct } from "../playground/charts.js";

const TRAIN = "#5f6368";
const TEST = "#d93025";
const MAX_CHUNK_POINTS = 2000;

const finite = (arrays) => arrays.slice(1).flat().filter((v) => v !== null && Number.isFinite(v));
const high = (arrays) => Math.max(0.1, ...finite(arrays));
const low = (arrays) => Math.min(1, ...finite(arrays));
function niceCeil(x) {
  const step = 10 ** Math.floor(Math.log10(x)) / 2;
  return Math.ceil(x / step) * step;
}

export function createCharts(element) {
  element.innerHTML = `
    <figure class="chart" data-chart="loss"><figcaption>Loss (cross-entropy)</figcaption><div class="chart-plot"></div></figure>
    <figure class="chart" data-chart="accuracy"><figcaption>Accuracy</figcaption><div class="chart-plot"></div></figure>`;
  const lossEl = element.querySelector('[data-chart="loss"] .chart-plot');
  const accEl = element.querySelector('[data-chart="accuracy"] .chart-plot');
  const width = () => Math.max(140, Math.floor(element.clientWidth / (element.clientWidth > 520 ? 2 : 1)) - 10);
  const HEIGHT = 150;
  const font = "10px system-ui, sans-serif";
  const axes = (percent) => [
    { size: 22, font, grid: { stroke: "#eceff1" }, ticks: { size: 3 }, label: "epoch", labelSize: 14, labelFont: font },
    { size: 38, font, grid: { stroke: "#eceff1" }, ticks: { size: 3 }, label: percent ? "accuracy" : "loss",
      labelSize: 14, labelFont: font,
      values: (u, v) => (percent ? v.map((x) => Math.round(x * 100) + "%") : distinct(v)) },
  ];
  const line = (label, stroke, dash, points) => ({ label, stroke, width: 1.5, dash, spanGaps: true,
    points: { show: points, size: 5, fill: stroke } });
  const opts = (percent, series) => ({
    width: width(), height: HEIGHT, legend: { show: true, live: false }, cursor: { show: false },
    scales: { x: { time: false, range: (u, lo, hi) => [0, Math.max(1, hi)] },
      y: { range: percent ? () => [Math.min(0.8, Math.floor(low(acc) * 10) / 10), 1] : () => [0, niceCeil(high(loss))] } },
    axes: axes(percent), series: [{ label: "epoch" }, ...series],
  });
  // loss: x, train (per chunk), test (per epoch); accuracy: x, train, test (per epoch)
  let loss = [[], [], []];
  let acc = [[], [], []];
  const lossPlot = new uPlot(opts(false, [line("train", TRAIN, undefined, false), line("test", TEST, [4, 3], true)]), loss, lossEl);
  const accPlot = new uPlot(opts(true, [line("train", TRAIN, undefined, true), line("test", TEST, [4, 3], true)]), acc, accEl);
  let dirty = false;
  let frame = 0;
  const schedule = () => {
    dirty = true;
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; if (dirty) { dirty = false; lossPlot.setData(loss); accPlot.setData(acc); } });
  };
  new ResizeObserver(() => {
    lossPlot.setSize({ width: width(), height: HEIGHT });
    accPlot.setSize({ width: width(), height: HEIGHT });
  }).observe(element);

  return {
    /** The mean training loss of a chunk that ended at `x` epochs (fractional). */
    chunk(x, value) {
      if (!Number.isFinite(value)) return;
      loss[0].push(x); loss[1].push(value); loss[2].push(null);
      if (loss[0].length > MAX_CHUNK_POINTS) { // keep every other chunk point, never an epoch point
        loss = loss.map((a, j) => a.filter((_, i) => i % 2 === 0 || loss[2][i] !== null));
      }
      schedule();
    },
    /** A completed epoch's record from the engine. `withTrainLoss`: also plot the epoch's mean
     *  training loss (when no chunk points were drawn for it, as after clear(history)). */
    epoch(r, withTrainLoss = false) {
      loss[0].push(r.epoch); loss[1].push(withTrainLoss ? r.train_loss : null); loss[2].push(r.test_loss);
      acc[0].push(r.epoch); acc[1].push(r.train_accuracy); acc[2].push(r.test_accuracy);
      schedule();
    },
    /** Start again from a list of epoch records (after a reset: empty). */
    clear(history = []) {
      loss = [[0], [null], [null]];
      acc = [[0], [null], [null]];
      for (const r of history) this.epoch(r, true);
      schedule();
    },
    accuracyPoints: () => acc[0].length - 1,
  };
}

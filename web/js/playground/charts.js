/**
 * Loss and accuracy over the epochs: two small uPlot charts (train solid, test dashed).
 *
 *   const charts = createCharts(element);
 *   charts.push(snapshot);   // one point per snapshot
 *   charts.clear();          // after a reset or a new network
 *
 * The history never grows past MAX_POINTS: when full, every other point is dropped and from
 * then on only every other snapshot is kept (the stride doubles), so drawing costs the same
 * after 100,000 epochs as after 100.
 */

import uPlot from "../../vendor/uplot/uPlot.esm.js";

const MAX_POINTS = 1000;
const MIN_REDRAW_MS = 200; // the charts move slowly: five redraws a second are plenty
const TRAIN = "#5f6368";
const TEST = "#d93025";
const HEIGHT = 140;

/** Tick labels with as few digits as keep them apart (0.695, 0.7, 0.705; not 0.7, 0.7, 0.7). */
export function distinct(values) {
  for (let digits = 2; digits <= 8; digits++) {
    const labels = values.map((x) => String(+x.toPrecision(digits)));
    if (new Set(labels).size === values.length) return labels;
  }
  return values.map((x) => String(x));
}

/** The loss axis runs from 0 to a little above the largest loss shown: a flat start is a flat line. */
const lossRange = (u, min, max) => [0, Number.isFinite(max) && max > 0 ? max * 1.1 : 1];

function compact(arrays) {
  for (let a = 0; a < arrays.length; a++) arrays[a] = arrays[a].filter((_, i) => i % 2 === 0);
}

export function createCharts(element) {
  element.classList.add("charts");
  element.innerHTML = `
    <figure class="chart" data-chart="loss"><figcaption>Loss</figcaption><div class="chart-plot"></div></figure>
    <figure class="chart" data-chart="accuracy"><figcaption>Accuracy</figcaption><div class="chart-plot"></div></figure>`;
  const lossEl = element.querySelector('[data-chart="loss"] .chart-plot');
  const accEl = element.querySelector('[data-chart="accuracy"] .chart-plot');
  const accFigure = element.querySelector('[data-chart="accuracy"]');

  let data = [[], [], [], [], []]; // epoch, train loss, test loss, train acc, test acc
  let stride = 1;
  let seen = 0;
  let dirty = false;
  let drawnAt = -Infinity;

  const width = () => Math.max(150, Math.floor(element.clientWidth / (accFigure.hidden ? 1 : 2)) - 8);
  const font = "10px system-ui, sans-serif";
  const common = (yLabel, range) => ({
    width: width(),
    height: HEIGHT,
    legend: { show: true, live: false },
    cursor: { show: false },
    scales: { x: { time: false }, y: { range } },
    axes: [
      { size: 22, font, grid: { stroke: "#eceff1" }, ticks: { size: 3 }, label: "epoch", labelSize: 14, labelFont: font },
      { size: 36, font, grid: { stroke: "#eceff1" }, ticks: { size: 3 }, label: yLabel, labelSize: 14, labelFont: font,
        values: yLabel === "accuracy" ? (u, v) => v.map((x) => Math.round(x * 100) + "%") : (u, v) => distinct(v) },
    ],
  });
  const series = (label, colour, dash) => ({ label, stroke: colour, width: 1.5, dash, points: { show: false } });

  const lossPlot = new uPlot({
    ...common("loss", lossRange),
    series: [{ label: "epoch" }, series("train", TRAIN), series("test", TEST, [4, 3])],
  }, [data[0], data[1], data[2]], lossEl);
  const accPlot = new uPlot({
    ...common("accuracy", [0, 1]),
    series: [{ label: "epoch" }, series("train", TRAIN), series("test", TEST, [4, 3])],
  }, [data[0], data[3], data[4]], accEl);

  function draw() {
    dirty = false;
    drawnAt = performance.now();
    lossPlot.setData([data[0], data[1], data[2]]);
    if (!accFigure.hidden) accPlot.setData([data[0], data[3], data[4]]);
  }

  new ResizeObserver(() => {
    lossPlot.setSize({ width: width(), height: HEIGHT });
    accPlot.setSize({ width: width(), height: HEIGHT });
  }).observe(element);

  return {
    element,
    /** Add a snapshot's numbers; drawn by `draw()`. */
    push(snapshot) {
      const last = data[0].length ? data[0][data[0].length - 1] : -1;
      if (snapshot.epoch < last) this.clear();
      if (snapshot.epoch === last) { // the same epoch again (an edit): replace the point
        for (const a of data) a.pop();
      } else if (seen++ % stride !== 0) {
        return;
      }
      const finite = (v) => (Number.isFinite(v) ? v : null);
      data[0].push(snapshot.epoch);
      data[1].push(finite(snapshot.loss.train));
      data[2].push(finite(snapshot.loss.test));
      data[3].push(snapshot.accuracy ? snapshot.accuracy.train : null);
      data[4].push(snapshot.accuracy ? snapshot.accuracy.test : null);
      if (data[0].length >= MAX_POINTS) {
        compact(data);
        stride *= 2;
      }
      dirty = true;
    },
    /** Redraw if something changed, at most every MIN_REDRAW_MS unless `force`. */
    draw(force = false) {
      if (dirty && (force || performance.now() - drawnAt >= MIN_REDRAW_MS)) draw();
    },
    clear() {
      data = [[], [], [], [], []];
      stride = 1;
      seen = 0;
      draw();
    },
    /** Regression has no accuracy: the loss chart takes the whole width. */
    showAccuracy(show) {
      if (accFigure.hidden === !show) return;
      accFigure.hidden = !show;
      lossPlot.setSize({ width: width(), height: HEIGHT });
      accPlot.setSize({ width: width(), height: HEIGHT });
      draw();
    },
    points: () => data[0].length,
    plots: { loss: lossPlot, accuracy: accPlot }, // for tests: their axes' titles and tick labels
  };
}

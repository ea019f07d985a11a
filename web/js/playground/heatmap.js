/**
 * The main view: a square canvas with the network's output (or one neuron's) over the plotted
 * square [-6, 6]², the data points on top, axes, and a colour legend below.
 *
 *   const heatmap = createHeatmap(element, { onPoint: (x1, x2, event) => ... });
 *   heatmap.render({ field, points, showTestData, discretize, caption });
 *
 * field: {type: "diverging", values: Float32Array(100*100), scale, shift, legend: [lowText, highText]}
 *     or {type: "classes", probs: Float32Array(100*100*k), k}
 * points: {train_x, train_y, test_x, test_y, problem, classes} (typed arrays, from the engine)
 */

import { CLASS_COLORS, CLASS_NAMES, NEGATIVE, NEUTRAL, POSITIVE, diverging, paintClasses, paintDiverging, rgb } from "../core/colors.js";

const DOMAIN = 6;
const POINT_SHADE = 0.8;
const MARGIN = { left: 30, right: 6, top: 6, bottom: 26 };

export function createHeatmap(element, { onPoint = null } = {}) {
  element.classList.add("heatmap");
  element.innerHTML = `
    <div class="heatmap-caption" aria-live="polite"></div>
    <canvas class="heatmap-canvas" role="img" aria-label="Decision boundary and data points"></canvas>
    <div class="heatmap-legend"></div>`;
  const caption = element.querySelector(".heatmap-caption");
  const canvas = element.querySelector("canvas");
  const legend = element.querySelector(".heatmap-legend");
  const ctx = canvas.getContext("2d");
  const grid = document.createElement("canvas");
  let gridSize = 0;
  let image = null;
  let last = null;
  let legendKey = "";
  let size = 300;
  let marker = null; // [x1, x2] or null

  const plot = () => ({ x: MARGIN.left, y: MARGIN.top, w: size - MARGIN.left - MARGIN.right,
    h: size - MARGIN.left - MARGIN.right });

  function resize() {
    const width = Math.max(160, Math.min(element.clientWidth || 300, 560));
    if (width === size && canvas.width) return;
    size = width;
    const dpr = window.devicePixelRatio || 1;
    const height = plot().h + MARGIN.top + MARGIN.bottom;
    canvas.width = Math.round(size * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = size + "px";
    canvas.style.height = height + "px";
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (last) draw(last);
  }

  const toData = (event) => {
    const rect = canvas.getBoundingClientRect();
    const p = plot();
    const px = event.clientX - rect.left, py = event.clientY - rect.top;
    const x1 = ((px - p.x) / p.w) * 2 * DOMAIN - DOMAIN;
    const x2 = DOMAIN - ((py - p.y) / p.h) * 2 * DOMAIN;
    return [x1, x2];
  };

  canvas.addEventListener("click", (event) => {
    if (!onPoint) return;
    const [x1, x2] = toData(event);
    if (Math.abs(x1) <= DOMAIN && Math.abs(x2) <= DOMAIN) onPoint(x1, x2, event);
  });

  function paintField(field) {
    const n = field.type === "classes" ? Math.round(Math.sqrt(field.probs.length / field.k))
      : Math.round(Math.sqrt(field.values.length));
    if (n !== gridSize) {
      gridSize = n;
      grid.width = grid.height = n;
      image = grid.getContext("2d").createImageData(n, n);
    }
    if (field.type === "classes") paintClasses(field.probs, field.k, image.data, { discretize: field.discretize });
    else paintDiverging(field.values, image.data, field);
    grid.getContext("2d").putImageData(image, 0, 0);
  }

  function drawPoints(xs, ys, pts, outline) {
    const p = plot();
    const r = Math.max(2.5, Math.min(4, p.w / 110));
    const sx = p.w / (2 * DOMAIN), sy = p.h / (2 * DOMAIN);
    ctx.lineWidth = 1;
    ctx.strokeStyle = outline;
    const byColour = new Map();
    for (let i = 0; i < ys.length; i++) {
      // a point is a shade darker than the map's colour for its class, so it shows on its own colour too
      const c = pts.problem === "regression" ? diverging(ys[i]) : (CLASS_COLORS[ys[i]] || [0, 0, 0]);
      const colour = rgb(c.map((v) => Math.round(v * POINT_SHADE)));
      let list = byColour.get(colour);
      if (!list) byColour.set(colour, list = []);
      list.push(i);
    }
    for (const [colour, list] of byColour) {
      ctx.fillStyle = colour;
      ctx.beginPath();
      for (const i of list) {
        const x = p.x + (xs[2 * i] + DOMAIN) * sx, y = p.y + (DOMAIN - xs[2 * i + 1]) * sy;
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, 2 * Math.PI);
      }
      ctx.fill();
      ctx.lineWidth = 3;            // a dark halo, then the ring: seen on any background
      ctx.strokeStyle = "rgba(32, 33, 36, 0.45)";
      ctx.stroke();
      ctx.lineWidth = 1;
      ctx.strokeStyle = outline;
      ctx.stroke();
    }
  }

  function drawAxes() {
    const p = plot();
    ctx.strokeStyle = "#9aa0a6";
    ctx.fillStyle = "#5f6368";
    ctx.lineWidth = 1;
    ctx.font = "11px system-ui, sans-serif";
    ctx.strokeRect(p.x + 0.5, p.y + 0.5, p.w - 1, p.h - 1);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (let v = -DOMAIN; v <= DOMAIN; v += 2) {
      const x = p.x + ((v + DOMAIN) / (2 * DOMAIN)) * p.w;
      ctx.beginPath(); ctx.moveTo(x, p.y + p.h); ctx.lineTo(x, p.y + p.h + 4); ctx.stroke();
      ctx.fillText(String(v), Math.min(Math.max(x, p.x + 6), p.x + p.w - 6), p.y + p.h + 5);
    }
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let v = -DOMAIN; v <= DOMAIN; v += 2) {
      const y = p.y + ((DOMAIN - v) / (2 * DOMAIN)) * p.h;
      ctx.beginPath(); ctx.moveTo(p.x - 4, y); ctx.lineTo(p.x, y); ctx.stroke();
      ctx.fillText(String(v), p.x - 6, Math.min(Math.max(y, p.y + 5), p.y + p.h - 5));
    }
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.fillText("x₁ →", p.x + p.w - 30, size); // bottom right
    ctx.save();
    ctx.translate(10, p.y + 28);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "right";
    ctx.fillText("x₂ →", 0, 0);
    ctx.restore();
  }

  function renderLegend(field, points) {
    let key, html;
    if (field.type === "classes") {
      key = "classes" + field.k;
      html = `<span class="legend-title">Colour = predicted class</span>` +
        Array.from({ length: field.k }, (_, c) =>
          `<span class="swatch"><i style="background:${rgb(CLASS_COLORS[c])}"></i>class ${c}</span>`).join("");
    } else {
      const [lo, hi] = field.legend || ["−1", "1"];
      key = "div" + lo + hi;
      html = `<span class="legend-low">${lo}</span>` +
        `<span class="legend-bar" style="background:linear-gradient(90deg,${rgb(NEGATIVE)},${rgb(NEUTRAL)},${rgb(POSITIVE)})"></span>` +
        `<span class="legend-high">${hi}</span>`;
    }
    if (points && points.problem !== "regression" && field.type !== "classes") {
      key += "pts" + points.classes;
      html += `<span class="legend-points">Points: ` + Array.from({ length: points.classes }, (_, c) =>
        `<span class="swatch"><i class="dot" style="background:${rgb(CLASS_COLORS[c])}"></i>class ${c} (${CLASS_NAMES[c]})</span>`).join("") + `</span>`;
    }
    if (key !== legendKey) {
      legend.innerHTML = html;
      legendKey = key;
    }
  }

  function draw(args) {
    const { field, points, showTestData } = args;
    const p = plot();
    ctx.clearRect(0, 0, size, size + MARGIN.bottom);
    if (field) {
      paintField(field);
      ctx.imageSmoothingEnabled = !field.discretize;
      ctx.drawImage(grid, p.x, p.y, p.w, p.h);
    } else {
      ctx.fillStyle = "#f1f3f4";
      ctx.fillRect(p.x, p.y, p.w, p.h);
    }
    if (points) {
      drawPoints(points.train_x.data, points.train_y.data, points, "#ffffff");
      if (showTestData) drawPoints(points.test_x.data, points.test_y.data, points, "#202124");
    }
    drawAxes();
    plain = null;
    if (marker) {
      keepPlain();
      drawMarker(p);
    }
    if (field) renderLegend(field, points);
  }

  // The picture without the ring, kept while a ring is shown (Look inside, where training is
  // paused): moving the ring puts it back and draws the ring, instead of drawing the map and
  // every point again (a few ms of script and many more of canvas raster a pick).
  let plain = null;
  const plainCanvas = document.createElement("canvas");
  function keepPlain() {
    if (plainCanvas.width !== canvas.width || plainCanvas.height !== canvas.height) {
      plainCanvas.width = canvas.width;
      plainCanvas.height = canvas.height;
    }
    const pctx = plainCanvas.getContext("2d");
    pctx.globalCompositeOperation = "copy";
    pctx.drawImage(canvas, 0, 0);
    plain = last;
  }

  function restorePlain() {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalCompositeOperation = "copy";
    ctx.drawImage(plainCanvas, 0, 0);
    ctx.restore();
  }

  /** A ring at the point a look inside a training step is about. */
  function drawMarker(p) {
    const x = p.x + ((marker[0] + DOMAIN) / (2 * DOMAIN)) * p.w;
    const y = p.y + ((DOMAIN - marker[1]) / (2 * DOMAIN)) * p.h;
    for (const [colour, width] of [["#ffffff", 5], ["#202124", 2.5]]) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.arc(x, y, 9, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  const observer = new ResizeObserver(() => resize());
  observer.observe(element);
  resize();
  draw({}); // the empty plot, until the engine's first picture

  return {
    element,
    canvas,
    /** Mark one place on the plot (a ring), or none with null; redraws. */
    setMarker(point) {
      marker = point ? [point[0], point[1]] : null;
      if (!last) return;
      if (plain !== last) { draw(last); return; }
      restorePlain();
      if (marker) drawMarker(plot());
      else plain = null;
    },
    /** Draw; each argument as described at the top of this file. */
    render(args) {
      last = args;
      if (args.caption !== undefined && caption.textContent !== args.caption) caption.textContent = args.caption;
      draw(args);
    },
    /** The [x1, x2] of a page position (for tests and tools). */
    toData,
    setEditing(mode) {
      canvas.classList.toggle("editing", Boolean(mode));
      canvas.setAttribute("aria-label", mode ? `Decision boundary: click to ${mode}` : "Decision boundary and data points");
    },
  };
}

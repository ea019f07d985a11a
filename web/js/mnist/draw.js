/**
 * The drawing canvas (mouse, pen and touch through pointer events), its classification while
 * drawing, "what the network sees" and the bar chart of the ten probabilities.
 *
 *   const pad = createDrawPad(elements, { classify: (alpha, w, h) => engine.call("classify", ...),
 *                                         note: () => "" or a remark on the network's state });
 *   pad.clear();  pad.putDigit(uint8Image784);  pad.reclassify();
 *
 * The ink is the canvas's alpha channel: strokes are opaque, the background transparent. While
 * the pen moves, at most one classification is in flight; the newest drawing is sent next.
 */

import { paintDigit } from "./images.js";

const SIZE = 280;
const PEN = 20; // px in the 280-px canvas: MNIST strokes are 2-3 px of 28

export function createDrawPad({ canvas, hint, seen, prediction, probs, clearButton }, { classify, note }) {
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  let drawing = null;     // pointerId while a stroke is on
  let last = null;
  let inFlight = false;
  let dirty = false;
  let hasInk = false;

  // ten rows, made once
  const rows = [];
  for (let d = 0; d < 10; d++) {
    const li = document.createElement("li");
    li.innerHTML = `<span class="mn-prob-digit">${d}</span><span class="mn-prob-bar"><i></i></span><span class="mn-prob-pct">–</span>`;
    probs.append(li);
    rows.push({ li, bar: li.querySelector("i"), pct: li.querySelector(".mn-prob-pct") });
  }

  function point(e) {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * (SIZE / r.width), (e.clientY - r.top) * (SIZE / r.height)];
  }

  function ink() {
    ctx.strokeStyle = ctx.fillStyle = "#202124";
    ctx.lineWidth = PEN;
  }

  function dot([x, y]) {
    ink();
    ctx.beginPath();
    ctx.arc(x, y, PEN / 2, 0, Math.PI * 2);
    ctx.fill();
  }

  function segment(a, b) {
    ink();
    ctx.beginPath();
    ctx.moveTo(a[0], a[1]);
    ctx.lineTo(b[0], b[1]);
    ctx.stroke();
  }

  function inked() {
    if (!hasInk) { hasInk = true; hint.hidden = true; }
    request();
  }

  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 && e.pointerType === "mouse") return;
    e.preventDefault();
    try {
      canvas.setPointerCapture(e.pointerId); // keep the stroke when the pen leaves the canvas
    } catch { /* an untrusted (scripted) pointer cannot be captured: draw without capture */ }
    drawing = e.pointerId;
    last = point(e);
    dot(last);
    inked();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (drawing !== e.pointerId) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = point(ev);
      segment(last, p);
      last = p;
    }
    inked();
  });
  const end = (e) => {
    if (drawing !== e.pointerId) return;
    drawing = null;
    last = null;
    request();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("keydown", (e) => {
    if (e.key === "Escape" || e.key === "Delete" || e.key === "Backspace") { e.preventDefault(); clear(); }
  });
  clearButton.addEventListener("click", () => clear());

  function alpha() {
    const rgba = ctx.getImageData(0, 0, SIZE, SIZE).data;
    const out = new Uint8Array(SIZE * SIZE);
    for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4 + 3];
    return out;
  }

  async function request() {
    if (!hasInk) return;
    if (inFlight) { dirty = true; return; }
    inFlight = true;
    dirty = false;
    try {
      const out = await classify(alpha(), SIZE, SIZE);
      if (hasInk) show(out);
    } catch (err) {
      prediction.textContent = `Cannot classify yet: ${err.lastLine || err.message}`;
    } finally {
      inFlight = false;
      if (dirty) request();
    }
  }

  function show(out) {
    paintDigit(seen, out.input.data);
    if (out.blank) { showEmpty(); return; }
    const p = out.probabilities.data;
    for (let d = 0; d < 10; d++) {
      const { li, bar, pct } = rows[d];
      bar.style.width = `${(p[d] * 100).toFixed(1)}%`;
      pct.textContent = `${(p[d] * 100).toFixed(1)} %`;
      li.dataset.p = String(p[d]);
      li.classList.toggle("top", d === out.prediction);
      li.setAttribute("aria-label", `${d}: ${(p[d] * 100).toFixed(1)} %`);
    }
    const remark = note();
    prediction.innerHTML = `It looks like a <strong id="predicted-digit">${out.prediction}</strong> ` +
      `(${(p[out.prediction] * 100).toFixed(1)} % sure).${remark ? ` <span class="muted">${remark}</span>` : ""}`;
    prediction.dataset.prediction = String(out.prediction);
  }

  function showEmpty() {
    for (const { li, bar, pct } of rows) {
      bar.style.width = "0";
      pct.textContent = "–";
      delete li.dataset.p;
      li.classList.remove("top");
      li.removeAttribute("aria-label");
    }
    prediction.textContent = "The network's guess appears here.";
    delete prediction.dataset.prediction;
  }

  function clear() {
    ctx.clearRect(0, 0, SIZE, SIZE);
    hasInk = false;
    hint.hidden = false;
    seen.getContext("2d").clearRect(0, 0, 28, 28);
    showEmpty();
  }

  /** Put a 28x28 digit (uint8, ink high) on the canvas, smoothly scaled, and classify it. */
  function putDigit(image) {
    const small = document.createElement("canvas");
    small.width = small.height = 28;
    const sctx = small.getContext("2d");
    const img = sctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      img.data[i * 4] = 32; img.data[i * 4 + 1] = 33; img.data[i * 4 + 2] = 36; img.data[i * 4 + 3] = image[i];
    }
    sctx.putImageData(img, 0, 0);
    ctx.clearRect(0, 0, SIZE, SIZE);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, SIZE, SIZE);
    hasInk = true;
    hint.hidden = true;
    request();
  }

  showEmpty();
  return { clear, putDigit, reclassify: request, hasInk: () => hasInk };
}

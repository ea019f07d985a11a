/** Small helpers that paint 28x28 images onto canvases. */

import { paintDiverging } from "../core/colors.js";

/** A grey digit (uint8 0..255 or float 0..1, ink high) as dark ink on white, on a 28x28 canvas. */
export function paintDigit(canvas, values, offset = 0, scale = 1) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  const px = img.data;
  for (let i = 0; i < 784; i++) {
    const v = 255 - Math.round(Math.min(1, values[offset + i] * scale) * 255);
    px[i * 4] = v; px[i * 4 + 1] = v; px[i * 4 + 2] = v; px[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** Weights on the playground's orange (negative) - blue (positive) scale, symmetric around 0. */
export function paintWeights(canvas, values, offset, maxAbs) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  paintDiverging(values.subarray(offset, offset + 784), img.data, { scale: maxAbs > 0 ? 1 / maxAbs : 1 });
  ctx.putImageData(img, 0, 0);
}

export function digitCanvas(label) {
  const c = document.createElement("canvas");
  c.width = 28;
  c.height = 28;
  if (label) c.setAttribute("aria-label", label);
  return c;
}

/**
 * Colours shared by every view: TensorFlow Playground's orange-white-blue scale for values in
 * [-1, 1] (negative orange, positive blue), and one colour per class (class 0 orange and class 1
 * blue, as there). Pixel painting goes through lookup tables: a 100x100 map costs well under 1 ms.
 */

export const NEGATIVE = [245, 147, 34];   // #f59322
export const NEUTRAL = [232, 234, 235];   // #e8eaeb
export const POSITIVE = [8, 119, 189];    // #0877bd
export const CLASS_COLORS = [
  [245, 147, 34], [8, 119, 189], [46, 158, 72], [142, 68, 173], [214, 64, 78], [23, 162, 184],
];
export const CLASS_NAMES = ["orange", "blue", "green", "purple", "red", "teal"];

const LUT_SIZE = 256;
const DIVERGING = new Uint8ClampedArray(LUT_SIZE * 3);
for (let i = 0; i < LUT_SIZE; i++) {
  const t = (i / (LUT_SIZE - 1)) * 2 - 1;
  const [a, w] = t < 0 ? [NEGATIVE, -t] : [POSITIVE, t];
  for (let c = 0; c < 3; c++) DIVERGING[i * 3 + c] = NEUTRAL[c] + (a[c] - NEUTRAL[c]) * w;
}

export function rgb(c, alpha = 1) {
  return alpha === 1 ? `rgb(${c[0]},${c[1]},${c[2]})` : `rgba(${c[0]},${c[1]},${c[2]},${alpha})`;
}

/** The colour of v in [-1, 1] (clamped) as [r, g, b]. */
export function diverging(v) {
  const i = lutIndex(v) * 3;
  return [DIVERGING[i], DIVERGING[i + 1], DIVERGING[i + 2]];
}

function lutIndex(v) {
  if (!(v > -1)) return 0; // NaN too
  if (v >= 1) return LUT_SIZE - 1;
  return Math.round((v + 1) * 0.5 * (LUT_SIZE - 1));
}

/**
 * Paint values onto RGBA pixels: out[i] = colour of (values[i] * scale + shift), clamped to
 * [-1, 1]. `discretize` snaps to the two ends (lighter, as TF Playground shows them).
 */
export function paintDiverging(values, pixels, { scale = 1, shift = 0, discretize = false, alpha = 255 } = {}) {
  const n = values.length;
  for (let i = 0; i < n; i++) {
    let v = values[i] * scale + shift;
    if (discretize) v = v > 0 ? 0.75 : -0.75;
    const j = lutIndex(v) * 3;
    const o = i * 4;
    pixels[o] = DIVERGING[j];
    pixels[o + 1] = DIVERGING[j + 1];
    pixels[o + 2] = DIVERGING[j + 2];
    pixels[o + 3] = alpha;
  }
}

/**
 * Paint class probabilities (n pixels x k classes, row-major) onto RGBA pixels: the colours mixed
 * by probability, faded toward white where the network is unsure. `discretize` paints the
 * winning class only.
 */
export function paintClasses(probs, k, pixels, { discretize = false } = {}) {
  const n = probs.length / k;
  const floor = 1 / k;
  for (let i = 0; i < n; i++) {
    let r = 0, g = 0, b = 0, best = 0, arg = 0;
    for (let c = 0; c < k; c++) {
      const p = probs[i * k + c];
      if (p > best) { best = p; arg = c; }
      const col = CLASS_COLORS[c];
      r += p * col[0]; g += p * col[1]; b += p * col[2];
    }
    let w;
    if (discretize) {
      const col = CLASS_COLORS[arg];
      r = col[0]; g = col[1]; b = col[2]; w = 0.75;
    } else {
      w = 0.25 + 0.75 * Math.max(0, (best - floor) / (1 - floor));
    }
    const o = i * 4;
    pixels[o] = 255 + (r - 255) * w;
    pixels[o + 1] = 255 + (g - 255) * w;
    pixels[o + 2] = 255 + (b - 255) * w;
    pixels[o + 3] = 255;
  }
}

/**
 * How to put a neuron's values on the [-1, 1] scale, from its layer's kind (see
 * nnpy.browser.playground): "signed" (tanh) as is, "probability" (sigmoid, softmax) 0..1 -> -1..1,
 * "free" (ReLU, linear, the inputs) divided by the largest |value| in `values`.
 */
export function scaleFor(kind, values) {
  if (kind === "signed") return { scale: 1, shift: 0 };
  if (kind === "probability") return { scale: 2, shift: -1 };
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
  }
  return { scale: m > 1e-9 ? 1 / m : 1, shift: 0 };
}

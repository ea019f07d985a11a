/**
 * Numbers and arrays of a look inside a training step, as the engine sends them.
 *
 * Every number on screen goes through `fmt`: four significant digits, so a reader (and the
 * browser tests) can compare it with the engine's float64 value to a relative 5e-4.
 */

/** Four significant digits; exponent form below 1e-4 and from 1e5. */
export function fmt(v) {
  if (v === null || v === undefined) return "–";
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-4 || a >= 1e5) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** Element [i, j] of a 2-D array from the engine ({shape, data}); [i] of a 1-D one. */
export function at(array, i, j) {
  if (!array) return null;
  return array.shape.length === 1 ? array.data[i] : array.data[i * array.shape[1] + j];
}

/** The largest |value| of an array from the engine (1 when all are zero). */
export function maxAbs(array) {
  let m = 0;
  for (const v of array.data) if (Math.abs(v) > m) m = Math.abs(v);
  return m || 1;
}

/** The word for an activation in formulas. */
export function actName(name) {
  return { leaky_relu: "leaky ReLU", relu: "ReLU", tanh: "tanh", sigmoid: "sigmoid", linear: "linear",
    softmax: "softmax" }[name] || name;
}

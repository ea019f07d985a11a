/**
 * Numbers for people, on both pages: a loss of 3.943062019370732e+152 reads "3.9 × 10¹⁵²".
 *
 *   formatNumber(0.1)        "0.1"       (a learning rate: as written)
 *   formatLoss(0.123456)     "0.123"     formatLoss(1234.5) "1,235"    formatLoss(3.9e152) "3.9 × 10¹⁵²"
 */

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/** A power of ten for a person: "3.9 × 10¹⁵²". */
function scientific(v) {
  const [mantissa, exponent] = v.toExponential(1).split("e");
  return `${mantissa} × 10${String(Number(exponent)).replace(/./g, (c) => SUPERSCRIPT[c])}`;
}

/** A setting such as a learning rate, as the controls write it (0.00001, 0.1, 10). */
export function formatNumber(v) {
  if (!Number.isFinite(v)) return "–";
  return Math.abs(v) >= 1e6 ? scientific(v) : String(Number(v.toPrecision(6)));
}

/** A loss: `digits` decimals below 1000, whole numbers with commas up to a million, then a power of ten. */
export function formatLoss(v, digits = 3) {
  if (!Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a < 1000) return v.toFixed(digits);
  if (a < 1e6) return Math.round(v).toLocaleString("en");
  return scientific(v);
}

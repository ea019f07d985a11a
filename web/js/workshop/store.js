/**
 * What the workshop keeps in the browser (localStorage, across reloads and days): each step's
 * code, the steps that passed, the step open last. Also the progress file's content.
 *
 * A full or blocked storage never loses the page's state: `save` reports the failure and the
 * page says so (the code is still in the editors; Export progress keeps it in a file).
 */
const KEY = "nnpy.workshop.v1";
export const PROGRESS_FORMAT = "nnpy-workshop-progress";
export const PROGRESS_VERSION = 1;

/** {code: {step: text}, passed: [step], current: step|null}; empty when nothing was kept. */
export function load(steps) {
  const empty = { code: {}, passed: [], current: null };
  let data;
  try {
    data = JSON.parse(localStorage.getItem(KEY) || "null");
  } catch {
    return empty;
  }
  if (!data || typeof data !== "object") return empty;
  const out = { code: {}, passed: [], current: steps.includes(data.current) ? data.current : null };
  for (const step of steps) {
    if (data.code && typeof data.code[step] === "string") out.code[step] = data.code[step];
  }
  if (Array.isArray(data.passed)) out.passed = steps.filter((s) => data.passed.includes(s));
  return out;
}

/** Keep `state`; returns null, or the error's message when the browser refused. */
export function save(state) {
  try {
    localStorage.setItem(KEY, JSON.stringify({ code: state.code, passed: state.passed, current: state.current }));
    return null;
  } catch (err) {
    return err && err.message ? err.message : String(err);
  }
}

/** The progress file's text: the code and the ticks, nothing else. */
export function progressText(state, version) {
  return JSON.stringify({
    format: PROGRESS_FORMAT, version: PROGRESS_VERSION, saved: new Date().toISOString(), nnpy: version,
    code: state.code, passed: state.passed,
  }, null, 2) + "\n";
}

/**
 * The training loop: the only module besides the bootstrap that talks to the engine.
 *
 * While playing, one chunk is always in flight, and the next is sent as soon as a reply lands, so
 * the worker hardly waits for the page. Only one: a chunk asked for is a chunk that trains, so
 * with two in flight Pause let a whole queued chunk (17 to 35 epochs) train after the click.
 * Now what trains after Pause is the chunk already running, and its snapshot is what the page
 * shows, paused: the epoch shown is the engine's. Each chunk trains whole
 * epochs for about `budget` ms (sized from how long a snapshot takes, so drawing never eats
 * more than about a fifth of the worker's time) and answers with a snapshot. Replies are only
 * stored; the page draws the newest one on the next animation frame and skips the rest.
 *
 * Every call that replaces the model or the data bumps a generation; chunk replies from an
 * older generation are dropped, so a stale picture never follows a change.
 *
 *   const loop = createLoop(engine, { onFrame, onError, onDiverged, onPlaying });
 *   await loop.configure(toEngine(state));  // {changed, network?, points?, snapshot}
 *   loop.play(); loop.pause(); loop.step(); loop.reset(); loop.regenerate(seed);
 *   await loop.settle();   // pause and wait for the chunks in flight (before an import, say)
 *   await loop.edit("add_point", {x1, x2, label});   // and load_csv, remove_point, set_parameter
 *   loop.setFocus([layer, unit] | null);
 *   onFrame({ snapshot, network, points, fresh: {network, points} })
 */

const DEPTH = 1; // chunks in flight (see above)
const MIN_FRAME_MS = 30;
const FALLBACK_MS = 250; // draw at most ~33 times a second: the rest of the main thread stays free
const MIN_BUDGET_MS = 30;
const MAX_BUDGET_MS = 250;
const CALL_TIMEOUT_MS = 30_000; // a chunk not answered by then: Python hangs or is gone (engine.js)

export function createLoop(engine, { onFrame, onError = () => {}, onDiverged = () => {}, onPlaying = () => {} }) {
  let generation = 0;
  let playing = false;
  let inFlight = 0;
  let budget = MIN_BUDGET_MS;
  let focus = null;
  let network = null, points = null, snapshot = null;
  let fresh = { network: false, points: false };
  let frameRequested = false;
  let drawnAt = -Infinity;
  let lastConfig = null;
  let configured = null; // resolves when the first configure succeeded
  const chunks = new Set(); // the training chunks in flight (settle() waits for them)
  const rate = { epochs: [], times: [] }; // for epochs/s over the last second

  function requestFrame() {
    if (frameRequested) return;
    frameRequested = true;
    const run = (now) => {
      if (!frameRequested) return;
      frameRequested = false;
      drawnAt = now;
      if (!snapshot) return;
      const f = fresh;
      fresh = { network: false, points: false };
      onFrame({ snapshot, network, points, fresh: f, playing });
    };
    requestAnimationFrame(function frame(now) {
      if (playing && now - drawnAt < MIN_FRAME_MS) { requestAnimationFrame(frame); return; }
      run(now);
    });
    // A frame the browser does not render (an off-screen iframe, a background tab) gets no
    // animation frames: draw anyway, a few times a second, so the numbers stay true.
    setTimeout(() => run(performance.now()), FALLBACK_MS);
  }

  function accept(result) {
    if (result.network) { network = result.network; fresh.network = true; }
    if (result.points) { points = result.points; fresh.points = true; }
    if (result.snapshot) take(result.snapshot);
  }

  function take(snap) {
    snapshot = snap;
    const now = performance.now();
    rate.epochs.push(snap.epoch);
    rate.times.push(now);
    while (rate.times.length > 2 && now - rate.times[0] > 1500) { rate.times.shift(); rate.epochs.shift(); }
    if (snap.report && snap.report.kind === "diverged" && playing) {
      setPlaying(false);
      onDiverged(snap.report, snap);
    }
    requestFrame();
  }

  function setPlaying(value) {
    if (playing === value) return;
    playing = value;
    onPlaying(playing);
    if (playing) pump();
  }

  function pump() {
    while (playing && inFlight < DEPTH) {
      const gen = generation;
      inFlight++;
      const chunk = engine.call("train", { epochs: 100000, budget_ms: budget, focus }, { timeoutMs: CALL_TIMEOUT_MS })
        .then((snap) => {
          inFlight--;
          if (gen !== generation) { pump(); return; }
          const t = snap.timing;
          budget = Math.min(MAX_BUDGET_MS, Math.max(MIN_BUDGET_MS, 4 * t.snapshot_ms));
          take(snap);
          pump();
        })
        .catch((err) => {
          inFlight--;
          setPlaying(false);
          onError(err, "train");
        })
        .finally(() => chunks.delete(chunk));
      chunks.add(chunk);
    }
  }

  /** A call that replaces what the page shows: a new generation. */
  async function replace(method, args) {
    generation++;
    const gen = generation;
    const result = await engine.call(method, args);
    if (gen === generation) accept(result);
    return result;
  }

  return {
    get playing() { return playing; },
    get network() { return network; },
    get points() { return points; },
    get snapshot() { return snapshot; },
    /** Epochs per second over the last second or so (0 when paused). */
    epochsPerSecond() {
      const n = rate.times.length;
      if (!playing || n < 2 || performance.now() - rate.times[n - 1] > 1000) return 0;
      return ((rate.epochs[n - 1] - rate.epochs[0]) * 1000) / (rate.times[n - 1] - rate.times[0]);
    },
    /** Send the page's state; rejects (and changes nothing) if the engine refuses it. */
    configure(config) {
      lastConfig = config;
      const p = replace("configure", { state: config });
      if (!configured) configured = p.catch(() => { configured = null; });
      return p;
    },
    play() {
      setPlaying(true);
    },
    pause() { setPlaying(false); },
    /** Pause, and resolve once the training chunks already asked for have landed (their snapshots taken). */
    settle() {
      setPlaying(false);
      return Promise.allSettled([...chunks]).then(() => {});
    },
    toggle() { setPlaying(!playing); },
    async step() {
      setPlaying(false);
      const gen = generation;
      const snap = await engine.call("step", { focus });
      if (gen === generation) take(snap);
      return snap;
    },
    reset() {
      return replace("reset", {});
    },
    regenerate(seed) {
      return replace("regenerate", { seed });
    },
    /** A question that changes nothing (e.g. "csv": the data as CSV text). */
    query(method, args = {}) {
      return engine.call(method, args);
    },
    /** An edit of the data or the weights (add_point, remove_point, load_csv, set_parameter). */
    edit(method, args) {
      return replace(method, args);
    },
    /** Show one neuron's full map in the main view (or null for the output). */
    setFocus(where) {
      const key = JSON.stringify(where);
      if (key === JSON.stringify(focus)) return;
      focus = where;
      if (!where) { requestFrame(); return; }
      if (!playing && snapshot) {
        const gen = generation;
        engine.call("snapshot", { focus: where })
          .then((snap) => { if (gen === generation && JSON.stringify(focus) === key) take(snap); })
          .catch((err) => onError(err, "snapshot"));
      }
    },
    get focus() { return focus; },
    /** After an engine restart: send the last state again. */
    resend() {
      return lastConfig ? this.configure(lastConfig) : Promise.resolve(null);
    },
  };
}

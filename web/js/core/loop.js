/**
 * The training loop: the only module besides the bootstrap that talks to the engine.
 *
 * While playing, the worker trains chunk after chunk by itself (engine.stream("train")): it never
 * waits for the page between two chunks, and Pause cancels the stream, so what trains after the
 * click is only the chunk running at that moment; its snapshot is what the page shows, paused,
 * and the epoch shown is the engine's. (Asking for chunks one by one made the worker wait for the
 * page's reply between chunks; asking for two ahead let a whole queued chunk, 17 to 35 epochs,
 * train after Pause.) Each chunk trains whole epochs for about four snapshots' time
 * (train(budget_ms="auto")) and answers with a snapshot. Results are only stored; the page
 * draws the newest one on the next animation frame and skips the rest.
 *
 * Every call that replaces the model or the data bumps a generation; replies from an older
 * generation are dropped, so a stale picture never follows a change. Streamed chunks that
 * arrive while such a call is unanswered were trained before it (the worker answers in order)
 * and are dropped too.
 *
 *   const loop = createLoop(engine, { onFrame, onError, onDiverged, onPlaying, rebuildKeys });
 *   await loop.sync(toEngine(state));  // the first time the whole state (configure), then only the
 *                                      // keys that changed (update): {changed, network?, points?, snapshot}
 *   loop.play(); loop.pause(); loop.step(); loop.reset(); loop.regenerate(seed);
 *   await loop.settle();   // pause and wait for the chunks in flight (before an import, say)
 *   await loop.edit("add_point", {x1, x2, label});   // and load_csv, remove_point, set_parameter
 *   loop.setFocus([layer, unit] | null);
 *   onFrame({ snapshot, network, points, fresh: {network, points} })
 *
 * A setting travels as a patch: the page's store says which settings changed, `sync` sends the
 * engine `update({changes})` with only the keys whose value differs from what the engine has
 * (a live one, such as {lr: 0.1}, reaches the running trainer between two chunks; one of
 * `rebuildKeys` builds a new network, so it starts a new generation). Calls reach the worker in
 * the order they are made, so the engine always ends on the page's last state.
 *
 * Another page's training chunk: pass `chunk: () => ({method, args})` (the call that trains a
 * chunk), `onChunk: async (result) => stop?` (show it; a true result pauses) and `depth` (chunks
 * asked for ahead; 1 waits for onChunk before the next): the page asks for each chunk. Without
 * them the chunks are the 2-D playground's streamed train() with a snapshot, drawn once per
 * animation frame.
 */

const DEPTH = 1; // chunks in flight when the page asks for each (see above)
const MIN_FRAME_MS = 30;
const FALLBACK_MS = 250; // draw at most ~33 times a second: the rest of the main thread stays free
const CALL_TIMEOUT_MS = 30_000; // a chunk not answered by then: Python hangs or is gone (engine.js)

export function createLoop(engine, {
  onFrame = () => {}, onError = () => {}, onDiverged = () => {}, onPlaying = () => {},
  rebuildKeys = [], chunk = null, onChunk = null, depth = DEPTH,
}) {
  let generation = 0;
  let sent = null; // the engine state as the calls made so far leave it (null: send it whole)
  let target = null; // the last state asked for
  let playing = false;
  let inFlight = 0;
  let stream = null; // the training stream running in the worker (the 2-D page's chunks)
  let replacing = 0; // calls that replace the model, sent and not answered yet
  let chunkTimes = null; // {started, ended} of the last streamed chunk taken (worker's clock, ms since 1970)
  let focus = null;
  let network = null, points = null, snapshot = null;
  let fresh = { network: false, points: false };
  let frameRequested = false;
  let drawnAt = -Infinity;
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
    else stopStream();
  }

  function stopStream() {
    if (!stream) return;
    stream.cancel(); // its last chunk still lands, and is taken
    stream = null;
  }

  /** The 2-D page's chunks: one stream in the worker for as long as the page plays. */
  function startStream() {
    const s = engine.stream("train", { epochs: 100000, budget_ms: "auto", focus }, {
      timeoutMs: CALL_TIMEOUT_MS,
      onResult: (result, times) => {
        if (replacing) return; // trained on the model being replaced
        chunkTimes = times;
        take(result);
      },
    });
    stream = s;
    const done = s.done
      .then(() => { // the worker ended it: cancelled, or a chunk said stop
        if (stream === s) { stream = null; pump(); } // e.g. a dropped chunk's stop: play on the new model
      }, (err) => {
        if (stream === s) stream = null;
        setPlaying(false);
        onError(err, "train");
      })
      .finally(() => chunks.delete(done));
    chunks.add(done);
  }

  function pump() {
    if (!chunk) {
      if (playing && !stream) startStream();
      return;
    }
    while (playing && inFlight < depth) {
      const gen = generation;
      inFlight++;
      const { method, args } = chunk();
      const call = engine.call(method, args, { timeoutMs: CALL_TIMEOUT_MS })
        .then(async (result) => {
          if (gen === generation && await onChunk(result)) setPlaying(false);
          inFlight--;
          pump();
        })
        .catch((err) => {
          inFlight--;
          setPlaying(false);
          onError(err, "train");
        })
        .finally(() => chunks.delete(call));
      chunks.add(call);
    }
  }

  /** After a refused sync the engine's state is not known for sure: the next sync sends it whole. */
  function failed(err) {
    sent = null;
    throw err;
  }

  /** A call that replaces what the page shows: a new generation. */
  async function replace(method, args) {
    generation++;
    const gen = generation;
    replacing++;
    let result;
    try {
      result = await engine.call(method, args);
    } finally {
      replacing--;
    }
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
    /** When the worker started and ended the last streamed chunk taken (ms since 1970), or null. */
    get chunkTimes() { return chunkTimes; },
    /** Which generation the shown results belong to (a result of an older one is stale). */
    get generation() { return generation; },
    /**
     * Bring the engine to `state` (an engine state): the first time, or after a failure, the
     * whole state (configure); then only the keys that differ from what the engine has (update).
     * Resolves with the engine's answer, or null when nothing differs; rejects (and the engine
     * keeps what it had) if the engine refuses it.
     */
    sync(state) {
      target = structuredClone(state);
      if (sent === null) {
        sent = structuredClone(state);
        return replace("configure", { state }).catch(failed);
      }
      const changes = {};
      for (const key of Object.keys(state)) {
        if (JSON.stringify(state[key]) !== JSON.stringify(sent[key])) changes[key] = state[key];
      }
      const keys = Object.keys(changes);
      if (!keys.length) return Promise.resolve(null);
      sent = structuredClone(state);
      if (keys.some((k) => rebuildKeys.includes(k))) return replace("update", { changes }).catch(failed);
      const gen = generation; // a live setting: training goes on, in the same generation
      return engine.call("update", { changes }).then((result) => {
        if (gen === generation) accept(result);
        return result;
      }, failed);
    },
    /** The engine holds `state` already (an import, a regenerate): later syncs diff against it. */
    assume(state) {
      sent = structuredClone(state);
      target = structuredClone(state);
    },
    /** The whole state again, as `sync` (kept for callers of the first version). */
    configure(config) {
      sent = null;
      return this.sync(config);
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
      if (stream) { stopStream(); pump(); } // the next chunks draw the new focus
      if (!where) { requestFrame(); return; }
      if (!playing && snapshot) {
        const gen = generation;
        engine.call("snapshot", { focus: where })
          .then((snap) => { if (gen === generation && JSON.stringify(focus) === key) take(snap); })
          .catch((err) => onError(err, "snapshot"));
      }
    },
    get focus() { return focus; },
    /** After an engine restart: send the last state again, whole. */
    resend() {
      sent = null;
      return target ? this.sync(target) : Promise.resolve(null);
    },
  };
}

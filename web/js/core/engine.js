/**
 * The engine: the one module that owns the Pyodide worker (js/core/worker.js) and its protocol.
 * Views never talk to the worker; they call the engine.
 *
 *   import { createEngine, EngineError } from "./engine.js";
 *   const engine = createEngine({ onProgress: ({ stage, fraction }) => bar.value = fraction });
 *   const { info, timings } = await engine.ready;     // rejects with an EngineError if start-up fails
 *   const out = await engine.call("echo_array", { shape: [2, 3] });
 *   out.array  // {__ndarray__: true, dtype: "float64", shape: [2, 3], data: Float64Array(6)}
 *   await engine.restart();                           // e.g. from a "Retry" button after a failure
 *
 * `stream(method, args, {onResult})` calls it again and again in the worker until `cancel()` (the
 * 2-D page's training: the worker goes on to the next chunk without waiting for the page).
 *
 * `call(method, args)` runs `getattr(Playground(), method)(**args)` in Python. Arguments are plain
 * data (typed arrays arrive as NumPy arrays). Results are plain data; NumPy arrays at any depth
 * arrive as `{__ndarray__, dtype, shape, data}` with `data` a flat typed array (see worker.js).
 * Calls run one after another in the order they were made. A Python exception rejects the call
 * with an EngineError whose `lastLine` is the traceback's last line ("ValueError: ...").
 *
 * A dead engine is noticed (`onStopped(error)`, and every pending call rejects with an EngineError
 * of type "EngineStopped"): the worker's error event; its end, whatever ended it (a Web Lock the
 * worker holds for its whole life is granted to the page the moment the worker is gone: this
 * also catches a browser terminating it under memory pressure, which fires no event); and a call
 * that never answers (`call(method, args, {timeoutMs})`, for calls whose length is known).
 *
 * Performance marks on the page: "nnpy:engine-start" and "nnpy:engine-ready" (whose `detail`
 * holds the worker's timings in ms: pyodideBoot, numpyLoad, numpyImport, wheelInstall,
 * importNnpy, engineCreate, total).
 */

/** A failed call or start-up. `type` is the Python (or JS) error type; `traceback` the full text. */
export class EngineError extends Error {
  /**
   * @param {string} message readable, one line
   * @param {{type?: string, lastLine?: string, traceback?: string, method?: string, stage?: string}} [details]
   */
  constructor(message, details = {}) {
    super(message);
    this.name = "EngineError";
    this.type = details.type || "Error";
    this.lastLine = details.lastLine || message;
    this.traceback = details.traceback || "";
    this.method = details.method;
    this.stage = details.stage;
  }
}

/**
 * Start the engine (a new worker) and return its handle.
 * @param {object} [options]
 * @param {(p: {stage: string, fraction: number}) => void} [options.onProgress] start-up progress;
 *   stages: build-info, pyodide, numpy, nnpy, import, ready (fraction 1)
 * @param {string|URL} [options.workerUrl] the worker module (default: ./worker.js beside this file)
 * @param {(error: EngineError) => void} [options.onStopped] the engine stopped after it was ready:
 *   its worker ended or failed, or a call timed out; `restart()` starts a new one
 * @param {string} [options.engine] which Python engine the worker creates, from worker.js's fixed
 *   table: "playground" (default, nnpy.browser.playground.Playground), "mnist"
 *   (nnpy.browser.mnist.MnistPlayground with SciPy's BLAS; loads scipy, an extra "scipy"
 *   start-up stage) or "mnist-numpy" (the same on plain NumPy)
 * @returns {Engine}
 */
export function createEngine(options = {}) {
  return new Engine(options);
}

export class Engine {
  /** @param {{onProgress?: Function, workerUrl?: string|URL, engine?: string}} [options] */
  constructor({ onProgress = () => {}, onStopped = () => {}, workerUrl = new URL("./worker.js", import.meta.url),
    engine } = {}) {
    this._onProgress = onProgress;
    this._onStopped = onStopped;
    this._workerUrl = workerUrl;
    if (engine !== undefined) {
      const url = new URL(workerUrl, import.meta.url);
      url.searchParams.set("engine", String(engine));
      this._workerUrl = url;
    }
    this._worker = null;
    this._pending = new Map(); // id -> {resolve, reject, method}
    this._nextId = 1;
    /** Resolves with {info, pyodide, timings} once the engine can take calls. */
    this.ready = null;
    /** What `ready` resolved with, or null. */
    this.info = null;
    this._start();
  }

  /**
   * Call a Playground method in the worker.
   * @param {string} method a public method name of nnpy.browser.playground.Playground
   * @param {object} [args] keyword arguments (plain data, typed arrays)
   * @param {{timeoutMs?: number}} [options] a call not answered within `timeoutMs` (counted from
   *   when it is sent) means the engine hangs or is gone: the engine is stopped and reported
   * @returns {Promise<any>} the converted result; rejects with an EngineError
   */
  async call(method, args = {}, { timeoutMs } = {}) {
    await this.ready;
    const id = this._nextId++;
    return new Promise((resolve, reject) => this._send(id, { method, args }, { resolve, reject, timeoutMs }));
  }

  /**
   * Call a method again and again in the worker, each call as soon as the last one ended, until
   * `cancel()`, a result with `stop: true`, or an error (worker.js runs the loop; calls and the
   * cancel sent meanwhile run between two of its calls, so a cancel ends it right after the call
   * running when it was sent).
   * @param {string} method
   * @param {object} [args] the same for every call
   * @param {{onResult?: (result: any, times: {started: number, ended: number}) => void,
   *   timeoutMs?: number}} [options] `onResult` gets each result with the call's start and end
   *   (ms since 1970, comparable with `performance.timeOrigin + performance.now()`); a stream
   *   with no result for `timeoutMs` means the engine hangs (see `call`)
   * @returns {{done: Promise<void>, cancel: () => void}} `done` resolves once the worker ended
   *   the stream and rejects as `call` does
   */
  stream(method, args = {}, { onResult = () => {}, timeoutMs } = {}) {
    const id = this._nextId++;
    let cancelled = false;
    let sentTo = null;
    const done = this.ready.then(() => new Promise((resolve, reject) => {
      if (cancelled) { resolve(); return; }
      sentTo = this._worker;
      this._send(id, { method, args, stream: true }, { resolve, reject, timeoutMs, onResult });
    }));
    return {
      done,
      cancel: () => {
        cancelled = true;
        if (sentTo && sentTo === this._worker && this._pending.has(id)) sentTo.postMessage({ cancel: id });
      },
    };
  }

  /** Post a request and keep its pending entry (with its answer timer, restarted at each streamed result). */
  _send(id, message, { resolve, reject, timeoutMs, onResult }) {
    const worker = this._worker;
    const { method } = message;
    const entry = { method, onResult, timer: null, resolve, reject, arm: () => {} };
    if (timeoutMs) {
      entry.arm = () => {
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => {
          if (this._pending.get(id) === entry && worker === this._worker) {
            this._stopped(worker, `The Python engine stopped answering: ${method} took over ${Math.round(timeoutMs / 1000)} s.`);
          }
        }, timeoutMs);
      };
      entry.resolve = (v) => { clearTimeout(entry.timer); resolve(v); };
      entry.reject = (e) => { clearTimeout(entry.timer); reject(e); };
    }
    this._pending.set(id, entry);
    entry.arm();
    try {
      worker.postMessage({ id, ...message });
    } catch (err) { // e.g. a function or DOM node in args cannot be cloned
      this._pending.delete(id);
      entry.reject(new EngineError(`cannot send the arguments of ${method}: ${err.message}`,
        { type: err.name, method }));
    }
  }

  /** Stop the worker, reject what is pending, and start again. Returns the new `ready`. */
  restart() {
    this.terminate("the engine was restarted");
    this._start();
    return this.ready;
  }

  /** Stop the worker; pending and later calls reject until `restart()`. */
  terminate(reason = "the engine was stopped") {
    if (this._worker) {
      this._worker.terminate();
      this._worker = null;
    }
    this._failAll(new EngineError(reason, { type: "EngineStopped" }));
    // calls still waiting for a start-up that will now never finish fail too, instead of waiting forever
    if (this._settleStart) this._settleStart.reject(new EngineError(reason, { type: "EngineStopped" }));
    this._settleStart = null;
    this.info = null;
    this.ready = Promise.reject(new EngineError(reason, { type: "EngineStopped" }));
    this.ready.catch(() => {});
  }

  /** The worker died or hangs after start-up: stop it, reject what is pending, tell the page. */
  _stopped(worker, message) {
    if (worker !== this._worker) return; // stopped on purpose, or already reported
    const error = new EngineError(message, { type: "EngineStopped" });
    this._worker = null;
    worker.terminate();
    this._failAll(error);
    this.info = null;
    this.ready = Promise.reject(error);
    this.ready.catch(() => {});
    this._onStopped(error);
  }

  _start() {
    performance.mark("nnpy:engine-start");
    // A Web Lock the worker takes at once and holds while it lives: granted to us when it ends.
    const lock = `nnpy-engine-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const url = new URL(this._workerUrl, import.meta.url);
    if (navigator.locks) url.searchParams.set("lock", lock);
    let settle;
    this.ready = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    this._settleStart = settle;
    this.ready.catch(() => {}); // the page may never await it; failures are still delivered to those who do
    let started = false;
    const fail = (message, details) => {
      const error = new EngineError(message, details);
      if (!started) settle.reject(error);
      this._failAll(error);
      if (this._worker) this._worker.terminate();
      this._worker = null;
      this.ready = Promise.reject(error);
      this.ready.catch(() => {});
    };
    let worker;
    try {
      worker = new Worker(url, { type: "module" });
    } catch (err) {
      fail(`cannot start the engine worker ${this._workerUrl}: ${err.message}`, { type: err.name, stage: "worker" });
      return;
    }
    this._worker = worker;
    worker.onmessage = (event) => {
      const msg = event.data;
      if (worker !== this._worker) return; // a message from a worker we already stopped
      if (msg.type === "progress") {
        this._onProgress({ stage: msg.stage, fraction: msg.fraction });
      } else if (msg.type === "ready") {
        started = true;
        this._settleStart = null;
        this.info = { info: msg.info, engine: msg.engine, warnings: msg.warnings || [], pyodide: msg.pyodide,
          cdn: msg.cdn, timings: msg.timings };
        performance.mark("nnpy:engine-ready", { detail: msg.timings });
        performance.measure("nnpy:engine-startup", "nnpy:engine-start", "nnpy:engine-ready");
        this._onProgress({ stage: "ready", fraction: 1 });
        settle.resolve(this.info);
        if (navigator.locks) {
          navigator.locks.request(lock, () => this._stopped(worker,
            "The Python engine stopped: its worker ended (a browser ends one when it needs the memory)."));
        }
      } else if (msg.type === "failed") {
        fail(`The engine could not start (${msg.stage}): ${msg.error.lastLine}`,
          { ...msg.error, traceback: msg.error.message, stage: msg.stage });
      } else if ("id" in msg) {
        const call = this._pending.get(msg.id);
        if (!call) return;
        if (msg.more) { // a stream's result: the stream goes on
          call.arm();
          call.onResult(msg.result, { started: msg.started, ended: msg.ended });
          return;
        }
        this._pending.delete(msg.id);
        if (msg.ok) call.resolve(msg.result);
        else call.reject(new EngineError(msg.error.lastLine, { ...msg.error, traceback: msg.error.message, method: call.method }));
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      if (worker !== this._worker) return;
      const where = event.filename ? ` (${event.filename}:${event.lineno})` : "";
      const what = event.message || `${this._workerUrl} failed to load or crashed`;
      if (started) this._stopped(worker, `The Python engine stopped: ${what}${where}`);
      else fail(`The engine could not start: ${what}${where}`, { type: "WorkerError", stage: "worker" });
    };
    worker.onmessageerror = () => {
      if (worker !== this._worker) return;
      // a reply that could not be deserialised: reject everything rather than wait forever
      this._failAll(new EngineError("a reply from the engine could not be read", { type: "MessageError" }));
    };
  }

  _failAll(error) {
    for (const { reject } of this._pending.values()) reject(error);
    this._pending.clear();
  }
}

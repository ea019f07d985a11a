/**
 * Small views for messages: the engine's start-up screen (progress, then failure with a retry
 * button), the notes bar (bad link values and refused settings), and two helpers.
 *
 *   const status = createEngineStatus(element, { onRetry });
 *   status.progress({stage, fraction}); status.ready(); status.failed(error); status.starting();
 *   const notes = createNotes(element); notes.show(["...", ...]);
 */

const STAGES = {
  "build-info": "Reading the build",
  pyodide: "Starting Python (Pyodide)",
  numpy: "Loading NumPy",
  nnpy: "Installing nnpy",
  import: "Importing nnpy",
  ready: "Ready",
};

/**
 * The readable part of an engine error: its last line, without the Python type, dotted or not
 * ("nnpy.data.DataError: row 3: ..." -> "row 3: ...").
 */
export function messageOf(err) {
  const line = (err && (err.lastLine || err.message)) || String(err);
  return line.replace(/^(?:[A-Za-z_]\w*\.)*(?:[A-Za-z_]\w*)?(?:Error|Exception|NotAPlaygroundModel): /, "");
}

/**
 * What to tell the student after the engine failed, from what really happened: a download that
 * did not arrive (then the connection is worth checking), the worker stopping while it ran (most
 * often the tab running out of memory), or Python failing while it started.
 */
export function failureHint(err) {
  const text = `${(err && err.message) || ""} ${(err && err.traceback) || ""}`;
  const keep = "Your settings are kept: Try again starts Python afresh.";
  if (/cannot fetch|Failed to fetch|NetworkError|HTTP \d{3}|network error/i.test(text)) {
    return `A file the engine needs did not arrive. Check the connection to this site. ${keep}`;
  }
  if (err && (err.type === "WorkerError" || err.type === "EngineStopped") && !err.stage) {
    return `The Python worker stopped while it ran (a browser tab that runs out of memory does this). ${keep}`;
  }
  return `Python failed while it started (the line above says where). ${keep} If it fails again, reload the page.`;
}

export function createEngineStatus(element, { onRetry }) {
  const bar = element.querySelector("progress");
  const stage = element.querySelector(".engine-stage");
  const title = element.querySelector(".engine-title");
  const hint = element.querySelector(".engine-hint");
  const retry = element.querySelector("button");
  retry.addEventListener("click", () => onRetry());
  return {
    starting() {
      element.hidden = false;
      element.classList.remove("failed");
      title.textContent = "Starting Python in your browser…";
      hint.textContent = "You can change the settings meanwhile; training starts when it is ready.";
      bar.hidden = false;
      bar.value = 0;
      stage.textContent = STAGES.pyodide;
      retry.hidden = true;
    },
    /** Embed mode: Python starts when the playground is on screen or the reader presses Train. */
    waiting() {
      element.hidden = false;
      title.textContent = "Python starts when you press Train";
      stage.textContent = "or when this playground scrolls into view.";
      hint.textContent = "Everything runs in your browser; nothing is installed.";
      bar.hidden = true;
      retry.hidden = true;
    },
    progress({ stage: name, fraction }) {
      if (element.classList.contains("failed")) return;
      bar.value = fraction;
      bar.textContent = `${Math.round(fraction * 100)} %`;
      stage.textContent = `${STAGES[name] || name}… ${Math.round(fraction * 100)} %`;
    },
    ready() {
      element.hidden = true;
    },
    failed(err) {
      element.hidden = false;
      element.classList.add("failed");
      title.textContent = "The Python engine could not run.";
      stage.textContent = messageOf(err);
      hint.textContent = failureHint(err);
      bar.hidden = true;
      retry.textContent = "Try again";
      retry.hidden = false;
    },
    /** The engine stopped after it ran (its worker ended or hangs); `kept` says what restarting brings back. */
    stopped(err, kept) {
      element.hidden = false;
      element.classList.add("failed");
      title.textContent = "Python stopped, so training stopped.";
      stage.textContent = messageOf(err);
      hint.textContent = `${kept} Restart Python to go on from there.`;
      bar.hidden = true;
      retry.textContent = "Restart Python";
      retry.hidden = false;
    },
  };
}

export function createNotes(element) {
  const text = element.querySelector(".notes-text");
  element.querySelector("button").addEventListener("click", () => { element.hidden = true; });
  return {
    show(notes) {
      if (!notes || !notes.length) return;
      text.innerHTML = "";
      const list = document.createElement("ul");
      for (const note of notes) {
        const li = document.createElement("li");
        li.textContent = note;
        list.append(li);
      }
      text.append(list);
      element.hidden = false;
    },
    /** Take the notes away (a later link that is fine). */
    hide() { element.hidden = true; },
  };
}

/** Save text as a file. */
export function download(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

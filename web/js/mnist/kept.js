/**
 * What the MNIST page keeps of its network, so that when its Python stops (engine.js notices) a
 * restarted one goes on from there rather than from the starting weights:
 * - the weights after the last epoch trained, with that epoch's number, the records of the epochs
 *   up to it (the charts) and the step count (each training chunk in which an epoch ended hands
 *   the weights over: nnpy.browser.mnist train()["kept"]; a chunk that went back to earlier
 *   weights hands those over, or says none are good);
 * - the model file the network came from, if it did (its bytes and name), since the new engine's
 *   network otherwise starts from the seed's weights, not the file's.
 *
 *   const kept = createKept();
 *   kept.chunk(chunk, history)   // after each training chunk (history: the records so far)
 *   kept.imported(bytes, name)   // a model file's network is shown
 *   kept.startAgain()            // Reset: back to the starting weights (the file's, if any)
 *   kept.newNetwork()            // a new network from the settings: nothing to keep
 *   kept.describe()              // what the "Python stopped" message says is kept
 *   const held = kept.take();    // before the restart (the new engine's first configure is a new network)
 *   const put = await kept.restore(held, { edit, resend });  // {network, steps} or null
 *
 * Cost: a copy of the weights once an epoch (0.4 MB for the default 784 → 128 → 10, 16 MB for the
 * largest, 4 layers of 1,024), measured in the README's MNIST section.
 */

/** @returns {object} the keeper (see above) */
export function createKept() {
  let weights = null; // {params, epoch, history, steps}: after the last epoch trained; null: the starting weights
  let file = null;    // {bytes, name}: the imported model file the network came from

  return {
    chunk(chunk, history) {
      const k = chunk.kept;
      if (!k) return;
      weights = k.params // no params: no good weights are left, a restart starts from the starting weights
        ? { params: k.params.data, epoch: k.epoch, history: history.slice(0, k.epoch).map((r) => ({ ...r })), steps: chunk.step_count }
        : null;
    },
    imported(bytes, name) { file = { bytes, name }; weights = null; },
    startAgain() { weights = null; },
    newNetwork() { file = null; weights = null; },
    describe() {
      if (weights && weights.epoch > 0) {
        return `Your settings and the network's weights after epoch ${weights.epoch.toLocaleString("en")} are kept: ` +
          "Restart Python to go on from them.";
      }
      return `Your settings are kept; the network goes back to its starting weights${file ? ` from ${file.name}` : ""}. ` +
        "Restart Python to go on.";
    },
    take() { return { file, weights }; },
    /**
     * Put `held` back into a new engine that has the page's settings: the file's network (then the
     * settings again: the page's live ones may differ from the file's), then the weights.
     * @param {object|null} held what `take()` gave before the restart
     * @param {{edit: Function, resend: Function}} engine `edit(method, args)`, a call that replaces the
     *   network (the loop's edit); `resend()`, the page's whole state to the engine again
     * @returns {Promise<{network: object, steps: number}|null>} what to show; null: nothing was kept
     */
    async restore(held, { edit, resend }) {
      if (!held || (!held.file && !held.weights)) return null;
      let network = null;
      let steps = 0;
      if (held.file) {
        await edit("import_model", { data: held.file.bytes, name: held.file.name });
        network = (await resend()).network;
        file = held.file;
      }
      if (held.weights) {
        const w = held.weights;
        network = (await edit("load_weights", { params: w.params, epoch: w.epoch, history: w.history })).network;
        steps = w.steps;
        weights = w;
      }
      return { network, steps };
    },
  };
}

/**
 * The first layer's weights, one 28x28 image per hidden neuron (up to LIMIT of them).
 *
 *   const w = createWeights(element);   w.render(engine.weights() result);
 */

import { digitCanvas, paintWeights } from "./images.js";

export const LIMIT = 48;

export function createWeights(element) {
  return {
    render(out) {
      const k = out.images.shape[0];
      let canvases = element.querySelectorAll("canvas");
      if (canvases.length !== k) {
        const frag = document.createDocumentFragment();
        for (let i = 0; i < k; i++) frag.append(digitCanvas(`weights of hidden neuron ${i + 1}`));
        element.replaceChildren(frag);
        canvases = element.querySelectorAll("canvas");
        element.setAttribute("data-units", String(out.units));
      }
      for (let i = 0; i < k; i++) paintWeights(canvases[i], out.images.data, i * 784, out.max_abs.data[i]);
      const note = element.nextElementSibling;
      if (note && note.classList.contains("mn-weights-note")) note.remove();
      if (out.units > k) {
        element.insertAdjacentHTML("afterend",
          `<p class="hint mn-weights-note">The first ${k} of ${out.units} neurons.</p>`);
      }
    },
  };
}

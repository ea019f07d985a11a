/**
 * Look inside one training step on one digit, on the MNIST page: the 2-D page's mode
 * (js/inside/) for a digit. The digit is the drawing pad's: a test digit put there (clicked in
 * the grid, or "Put a test digit here"; its MNIST label is the target unless another is chosen)
 * or the student's own drawing (whose label the student chooses: the page never guesses it),
 * or a test digit chosen by its number. The engine runs ONE real training step on it
 * (MnistPlayground.inside: nnpy.browser.inside.look_inside, i.e. nnpy's forward, loss, backward
 * and optimizer on a copy) and sends the numbers; Back and Next (buttons, ← and →, a swipe) walk
 * through forward layer by layer, the loss, backward, the update. "Take this step" applies it
 * (MnistPlayground.inside_update: Trainer.train_step on that digit). The mode pauses training.
 *
 * The URL records the mode, the test digit's number and a chosen label (inside, insideDigit,
 * insideLabel: onChange hands them to the page's store), so a teacher can link to one digit's step;
 * a drawing is not in the link (the mode opens on the pad as it is).
 *
 *   const inside = createInside(document, { call, pause, isReady, onStep, onChange });  // onStep(inside_update's answer)
 *   inside.setDigit({ index, label })   // a test digit was put on the pad (null: a drawing)
 *   inside.close()                      // training starts again
 *   inside.refresh()                    // the network changed (a new one, an import, a reset)
 *   inside.fromState(state)             // the URL's inside, insideDigit, insideLabel (a link, an edit)
 */

import { cardHead, createStepper, stages } from "../inside/stepper.js";
import { fmt } from "../inside/format.js";
import { neuronCard, pixelCard } from "./inside-cards.js";
import { createView } from "./inside-view.js";
import { formValue } from "../core/settings.js";

const $ = (root, id) => root.getElementById(id);
const message = (err) => ((err && (err.lastLine || err.message)) || String(err))
  .replace(/^(ValueError|RuntimeError|TypeError|Error): /, "");

function describe(stage, count, result) {
  const name = (k) => (k === count ? "the output layer" : `layer ${k}`);
  switch (stage.kind) {
    case "forward":
      return stage.layer === count
        ? ["Forward: the output layer", "Ten outputs z = Σ w·a + b, one per digit; softmax turns them into probabilities p that add up to 1."]
        : [`Forward: ${name(stage.layer)}`, "Each neuron adds up its inputs times its weights, plus its bias (z = Σ w·a + b), and applies its activation (a = act(z))." +
          (stage.layer === 1 ? " Layer 1's inputs are the 784 pixels: the images show the first neurons' weights, the pattern each adds up over the digit." : "")];
    case "loss":
      return [`Loss: ${fmt(result.loss)}`,
        `Softmax cross-entropy: minus the log of the probability the network gives the right digit, ${result.label}.`];
    case "backward":
      return stage.layer === count
        ? ["Backward: the output layer", "At each output δ = ∂L/∂z = p − y: the probability minus the target (1 for the label, 0 for the other digits)."]
        : [`Backward: ${name(stage.layer)}`, "δ = ∂L/∂z = (Σ w_next·δ_next)·act′(z), from the layer to its right." +
          (stage.layer === 1 ? " Each weight's gradient is ∂L/∂w = x·δ: the images show ∂L/∂W of the first neurons, the digit's own pixels scaled by each neuron's δ." : "")];
    default:
      return ["Update", `The optimizer (${result.optimizer.name}, learning rate ${result.optimizer.lr}) moves every weight against its gradient: ` +
        `${result.optimizer.formula}. The images show what this step does to the first neurons' weights (new W − W).`];
  }
}

export function createInside(root, { call, pause, isReady, onStep, onChange = () => {} }) {
  const panel = $(root, "inside-panel");
  const button = $(root, "inside-button");
  const indexInput = $(root, "inside-index");
  const labelSelect = $(root, "inside-label");
  const applyButton = $(root, "inside-apply");
  const note = $(root, "inside-message");
  const card = $(root, "inside-card");
  const pad = $(root, "draw-canvas");
  const view = createView($(root, "inside-view"), {
    onNeuron: (layer, unit) => showCard(neuronCard(result, layer, unit), `${layer},${unit}`),
    onPixel: (unit, pixel) => showCard(pixelCard(result, unit, pixel)),
  });

  let open = false;
  let digit = null;      // {index, label} of a test digit; null: the drawing pad's ink
  let chosen = null;     // the label chosen, or null (a test digit's own)
  let result = null;
  const stepper = createStepper(root, {
    swipeArea: $(root, "inside-view"),
    count: () => (result ? stages(result.layers.length).length : 0),
    onMove: () => render(),
    closeCard: () => (card.hidden ? false : (closeCard(), true)),
    close: () => setOpen(false),
  });
  let asked = 0;
  let from = null;       // the neuron whose card is open ("layer,unit"), for focus on close
  let stepping = false;  // Take this step is refreshing the page's views
  let testCount = null;  // how many test digits the split has (setTestCount), null before the first

  /** What the URL keeps: the mode and, for a test digit, its number and a chosen label. */
  function tell() {
    const test = open && digit !== null;
    onChange({ inside: open, insideDigit: test ? digit.index : null, insideLabel: test ? chosen : null });
  }

  function renderLabels() {
    const own = digit ? `its MNIST label, ${digit.label}` : "choose the digit you drew…";
    labelSelect.innerHTML = `<option value="">${own}</option>` +
      Array.from({ length: 10 }, (_, d) => `<option value="${d}">${d}</option>`).join("");
    labelSelect.value = chosen === null ? "" : String(chosen);
  }

  function request() {
    if (digit) return { test_index: digit.index, label: chosen };
    const ctx = pad.getContext("2d");
    const rgba = ctx.getImageData(0, 0, pad.width, pad.height).data;
    const alpha = new Uint8Array(pad.width * pad.height);
    for (let i = 0; i < alpha.length; i++) alpha[i] = rgba[i * 4 + 3];
    return { pixels: alpha, width: pad.width, height: pad.height, label: chosen };
  }

  async function ask() {
    const id = ++asked;
    if (!isReady()) { note.textContent = "The network is not ready yet."; return; }
    note.textContent = "";
    try {
      const answer = await call("inside", request());
      if (id !== asked || !open) return;
      result = answer;
      stepper.position = stepper.position; // within the new step's stages
      card.hidden = true;
      render();
    } catch (err) {
      if (err && err.type === "EngineStopped") return; // the page says so, with its way back
      if (id !== asked) return;
      result = null;
      panel.dataset.stage = "";
      $(root, "inside-view").replaceChildren();
      $(root, "inside-stage").textContent = "";
      $(root, "inside-stage-text").textContent = "";
      card.hidden = true;
      $(root, "inside-back").disabled = $(root, "inside-next").disabled = true;
      applyButton.hidden = true;
      note.textContent = message(err);
    }
  }

  function render() {
    const count = result.layers.length;
    const stage = stages(count)[stepper.position];
    const which = result.source === "test" ? `Test digit number ${result.index}` : "Your drawing";
    const label = result.label_from === "test" ? `its MNIST label ${result.label}` : `label ${result.label} (chosen)`;
    $(root, "inside-digit").textContent = `${which}, ${label}: the network says ${result.prediction}` +
      ` (${(result.probabilities.data[result.prediction] * 100).toFixed(1)} %); epoch ${result.epoch}, step ${result.step}.`;
    view.render(result, stage);
    stepper.show(stage, describe(stage, count, result));
  }

  async function apply() {
    if (!result) return;
    const before = result.loss;
    applyButton.disabled = true;
    try {
      const out = await call("inside_update", request());
      stepping = true; // the page's views follow the new weights; this view asks once, below
      try { await onStep(out); } finally { stepping = false; }
      stepper.position = 0;
      await ask();
      note.textContent = out.diverged ? `The step was refused: ${out.diverged}`
        : `Step taken: the weights are now the new ones. This digit's loss went from ${fmt(before)} to ${fmt(result.loss)}.`;
    } catch (err) {
      if (!(err && err.type === "EngineStopped")) note.textContent = message(err);
    } finally {
      applyButton.disabled = false;
    }
  }

  function showCard(html, neuron = null) {
    card.innerHTML = cardHead + html;
    card.hidden = false;
    if (neuron) from = neuron;
    view.paintCard(card, result);
    card.querySelector('[data-inside="close-card"]').addEventListener("click", closeCard);
    card.querySelectorAll("[data-open-pixel]").forEach((b) => b.addEventListener("click", () => {
      const [unit, pixel] = b.dataset.openPixel.split(",").map(Number);
      showCard(pixelCard(result, unit, pixel));
    }));
    card.querySelectorAll("[data-open-neuron]").forEach((b) => b.addEventListener("click", () => {
      const [layer, unit] = b.dataset.openNeuron.split(",").map(Number);
      showCard(neuronCard(result, layer, unit), `${layer},${unit}`);
    }));
    card.querySelector('[data-inside="close-card"]').focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }

  function closeCard() {
    card.hidden = true;
    const back = from && panel.querySelector(`.mn-units [data-neuron="${from}"], [data-neuron="${from}"]`);
    from = null;
    if (back) back.focus();
  }

  async function setOpen(value) {
    if (value === open) return;
    open = value;
    panel.hidden = !open;
    button.setAttribute("aria-pressed", String(open));
    tell();
    if (open) {
      renderLabels();
      panel.scrollIntoView({ block: "start", behavior: "smooth" });
      await pause(); // training pauses: the step shown is the next one
      await ask();
    } else {
      asked++;
      result = null;
      card.hidden = true;
    }
  }

  button.addEventListener("click", () => {
    const opening = !open;
    setOpen(opening);
    // the panel opens at the top of the page, far from the button: the focus goes with it, so Tab,
    // ← → and Escape work there at once (the button's place in the page is dozens of stops away)
    if (opening) stepper.enter();
  });
  $(root, "inside-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const i = checkIndex(indexInput.value);
    if (i === null) return; // refused and said: the URL keeps the digit in use
    chooseTest(i, null);
  });

  /**
   * A test digit's number as typed or linked, checked by the schema's row (insideDigit) within the
   * test digits there are, before it may reach the URL; null (the reason said) when refused.
   */
  function checkIndex(text) {
    const v = formValue("mnist", "insideDigit", text, { label: "Test digit", max: testCount === null ? undefined : testCount - 1 });
    if (v.ok) { indexInput.removeAttribute("aria-invalid"); return v.value; }
    indexInput.setAttribute("aria-invalid", "true");
    note.textContent = v.message + (testCount === null ? "" : ` The test set has ${testCount.toLocaleString("en")} digits.`);
    return null;
  }

  /** A test digit by its number (the form, or a link); its label comes with the engine's answer. */
  function chooseTest(i, label) {
    digit = { index: i, label: "?" };
    chosen = label;
    indexInput.value = String(i);
    renderLabels();
    stepper.position = 0;
    tell();
    return ask().then(() => {
      if (result && result.source === "test" && digit && digit.index === result.index) { digit.label = result.true_label; renderLabels(); }
    });
  }
  labelSelect.addEventListener("change", () => {
    chosen = labelSelect.value === "" ? null : Number(labelSelect.value);
    tell();
    if (open) ask();
  });
  applyButton.addEventListener("click", apply);
  // the student draws (or clears the pad): the digit is theirs now, and so is its label
  const drawing = () => {
    if (!digit) return;
    digit = null;
    chosen = null;
    indexInput.value = "";
    renderLabels();
    tell();
  };
  pad.addEventListener("pointerdown", drawing);
  pad.addEventListener("pointerup", () => { if (open && !digit) ask(); }); // the step on the drawing as it is now
  $(root, "clear-canvas").addEventListener("click", drawing);
  pad.addEventListener("keydown", (e) => { if (["Escape", "Delete", "Backspace"].includes(e.key)) drawing(); });

  return {
    get open() { return open; },
    get result() { return result; },
    get position() { return stepper.position; },
    setOpen,
    setDigit(test) {
      digit = test ? { index: Number(test.index), label: Number(test.label) } : null;
      chosen = null;
      indexInput.value = digit ? String(digit.index) : "";
      renderLabels();
      stepper.position = 0;
      tell();
      if (open) ask();
    },
    /** Apply the URL's inside, insideDigit and insideLabel (after start-up, and when the hash is edited). */
    async fromState(state) {
      if (!state.inside) { if (open) await setOpen(false); return; }
      const test = state.insideDigit;
      const same = test === null ? digit === null : (digit !== null && digit.index === test && chosen === state.insideLabel);
      if (open && same) return;
      if (test === null) { if (!open) await setOpen(true); return; } // on the pad as it is
      if (checkIndex(String(test)) === null) { // a link's number past the test digits: said, and out of the URL
        const said = note.textContent;
        if (!open) await setOpen(true); else tell(); // the URL: the digit in use (or the pad's), not this one
        indexInput.value = String(test);
        note.textContent = `${said} ${note.textContent}`.trim(); // and what the step in use says
        return;
      }
      if (!open) { // open on this digit: one question, not the pad's first
        open = true;
        panel.hidden = false;
        button.setAttribute("aria-pressed", "true");
        panel.scrollIntoView({ block: "start" });
        await pause();
      }
      await chooseTest(test, state.insideLabel);
    },
    close() { return setOpen(false); },
    refresh() { if (open && !stepping) ask(); },
    setEnabled(on) { button.disabled = !on; },
    /** The split has `n` test digits (numbers 0..n-1): the form's and a link's range. */
    setTestCount(n) {
      testCount = n;
      indexInput.max = String(n - 1);
      if (digit && digit.index >= n) { // fewer test digits now: this one is gone, said, and out of the URL
        checkIndex(String(digit.index));
        digit = null;
        chosen = null;
        renderLabels();
        tell();
      }
    },
  };
}

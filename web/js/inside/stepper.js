/**
 * Back and Next through the stages of one training step: what both Look inside panels (the 2-D
 * page's js/inside/inside.js and the MNIST page's js/mnist/inside.js) share. The stages are
 * stages(L) below: forward layer 1..L, the loss, backward L..1, the update.
 *
 * The panel's elements have the same ids on both pages: inside-panel, inside-stage and
 * inside-stage-text (the stage's title and words), inside-back, inside-next, inside-apply (shown at
 * the update only). Moving: the buttons, ← and → while the focus is in the panel (not in a form
 * field), or a swipe across `swipeArea` (touch and pen; to the left is Next).
 *
 * The keyboard rule both pages share: opening the mode with its button (inside-button) moves the
 * focus into the panel (its heading, inside-title), so ← → work at once; Escape closes an open
 * card, else the mode itself, and the panel's Close (inside-close) closes the mode: either way the
 * focus goes back to the Look inside button.
 *
 *   const stepper = createStepper(document, { swipeArea, count: () => n, onMove: render, closeCard, close });
 *   stepper.enter()                      // the mode was opened by its button: focus into the panel
 *   stepper.show(stage, [title, text])   // after render: the header, the buttons, data-stage
 */

const $ = (root, id) => root.getElementById(id);

/** The stages of a network of L layers, in order: forward 1..L, loss, backward L..1, update. */
export function stages(L) {
  const out = [];
  for (let k = 1; k <= L; k++) out.push({ kind: "forward", layer: k });
  out.push({ kind: "loss" });
  for (let k = L; k >= 1; k--) out.push({ kind: "backward", layer: k });
  out.push({ kind: "update" });
  return out;
}

/** A card's head: its Close button (data-inside="close-card"), before the card's own HTML. */
export const cardHead = '<div class="card-head"><span></span><button type="button" class="link-button" data-inside="close-card">Close</button></div>';

/**
 * count(): how many stages the shown step has (0 when none is shown); onMove(position): a move
 * happened, draw that stage; closeCard(): close the open card and return true, or return false
 * when none is open; close(): close the mode.
 */
export function createStepper(root, { swipeArea, count, onMove, closeCard, close }) {
  const panel = $(root, "inside-panel");
  const button = $(root, "inside-button");
  const title = $(root, "inside-stage"), words = $(root, "inside-stage-text");
  const back = $(root, "inside-back"), next = $(root, "inside-next");
  const apply = $(root, "inside-apply");
  let position = 0;
  const clamp = (i) => Math.max(0, Math.min(count() - 1, i));

  function go(delta) {
    if (count() === 0) return;
    const to = clamp(position + delta);
    if (to === position) return;
    position = to;
    onMove(position);
  }

  back.addEventListener("click", () => go(-1));
  next.addEventListener("click", () => go(+1));
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); if (!closeCard()) leave(); return; } // from anywhere in the panel
    if (e.target.closest("input, select, textarea")) return; // ← → move the caret there
    if (e.key === "ArrowRight") { e.preventDefault(); go(+1); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); go(-1); }
  });
  function leave() {
    close();
    button.focus();
  }
  $(root, "inside-close").addEventListener("click", leave);
  let swipe = null;
  swipeArea.addEventListener("pointerdown", (e) => { if (e.pointerType !== "mouse") swipe = [e.clientX, e.clientY]; });
  swipeArea.addEventListener("pointerup", (e) => {
    if (!swipe) return;
    const dx = e.clientX - swipe[0], dy = e.clientY - swipe[1];
    swipe = null;
    if (Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) go(dx < 0 ? +1 : -1);
  });

  return {
    get position() { return position; },
    /** Set the position without drawing (kept within the shown step's stages). */
    set position(i) { position = count() === 0 ? Math.max(0, i) : clamp(i); },
    go,
    /** The mode was opened by its button: the focus moves to the panel's heading. */
    enter() { $(root, "inside-title").focus({ preventScroll: true }); },
    /** The stage at the current position is drawn: its header, the buttons, the panel's data-stage. */
    show(stage, [heading, text]) {
      title.textContent = `${position + 1} of ${count()} · ${heading}`;
      words.textContent = text;
      back.disabled = position === 0;
      next.disabled = position === count() - 1;
      apply.hidden = stage.kind !== "update";
      panel.dataset.stage = stage.kind;
      panel.dataset.position = String(position);
    },
  };
}

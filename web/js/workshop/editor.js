/**
 * The workshop's code editor: CodeMirror 6 with its Python mode (vendor/codemirror/codemirror.js,
 * bundled by build.py). One view; each step keeps its own editor state, so undo history stays
 * with its file. Tab indents; Esc then Tab leaves the editor (CodeMirror's own escape hatch).
 *
 *   const editor = await createEditor(parent, { label, onChange: (step, text) => ... });
 *   editor.show("layers", text);   // switch to a step (its state is created on first show)
 *   editor.set("layers", text);    // replace a step's text (reset, import, pre-fill)
 *   editor.text();  editor.goToLine(12);  editor.focus();
 *
 * Without the bundle (a broken copy of the site) it falls back to a plain <textarea>, so the
 * code can still be written, kept and checked.
 */
export async function createEditor(parent, { label, onChange }) {
  let cm = null;
  try {
    cm = await import(new URL("../../vendor/codemirror/codemirror.js", import.meta.url).href);
  } catch (err) {
    console.warn(`the code editor could not load (${err.message}); using a plain text box`);
  }
  return cm ? codeMirrorEditor(cm, parent, { label, onChange }) : textareaEditor(parent, { label, onChange });
}

function codeMirrorEditor(cm, parent, { label, onChange }) {
  const states = new Map();
  let current = null;
  const extensions = (step) => [
    cm.basicSetup,
    cm.python(),
    cm.keymap.of([cm.indentWithTab]),
    cm.EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true", tabindex: "0" }), // axe-core: the scroller has focusable content
    cm.EditorView.updateListener.of((update) => {
      if (update.docChanged && step === current) onChange(step, update.state.doc.toString());
    }),
  ];
  const stateFor = (step, text) => cm.EditorState.create({ doc: text, extensions: extensions(step) });
  const view = new cm.EditorView({ parent });
  view.dom.classList.add("code-editor");
  return {
    kind: "codemirror",
    view,
    show(step, text) {
      if (current && current !== step) states.set(current, view.state);
      current = step;
      let state = states.get(step);
      if (!state || state.doc.toString() !== text) state = stateFor(step, text);
      view.setState(state);
    },
    set(step, text) {
      states.delete(step);
      if (step === current) {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
      }
    },
    text: () => view.state.doc.toString(),
    cursorLine: () => view.state.doc.lineAt(view.state.selection.main.head).number,
    goToLine(n) {
      const line = view.state.doc.line(Math.max(1, Math.min(n, view.state.doc.lines)));
      view.dispatch({ selection: { anchor: line.from, head: line.to },
        effects: cm.EditorView.scrollIntoView(line.from, { y: "center" }) });
      view.focus();
    },
    focus: () => view.focus(),
  };
}

function textareaEditor(parent, { label, onChange }) {
  const area = document.createElement("textarea");
  area.className = "code-editor plain-editor";
  area.spellcheck = false;
  area.setAttribute("aria-label", label);
  parent.append(area);
  let current = null;
  area.addEventListener("input", () => onChange(current, area.value));
  return {
    kind: "textarea",
    show(step, text) { current = step; area.value = text; },
    set(step, text) { if (step === current) { area.value = text; onChange(step, text); } },
    text: () => area.value,
    cursorLine: () => area.value.slice(0, area.selectionStart).split("\n").length,
    goToLine(n) {
      const lines = area.value.split("\n");
      const start = lines.slice(0, n - 1).reduce((a, l) => a + l.length + 1, 0);
      area.focus();
      area.setSelectionRange(start, start + (lines[n - 1] || "").length);
    },
    focus: () => area.focus(),
  };
}

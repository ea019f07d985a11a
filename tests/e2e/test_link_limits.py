"""Links never freeze a page (issue 16): every parser of a URL hash (and every reader of the engine's
messages and file names) runs in linear time, a hash
longer than any setup is refused by its length, and both pages treat a bad link the same way (at
most five notes, gone when a good link follows, a repeated key named).

The parsers run in a Web Worker that the test terminates after HANG_GUARD_MS, so a parse that
hangs fails the test instead of freezing it; a regular expression that backtracks took about
21 s for the 100,001 characters of `seed=111...1x`.
"""

import pytest

from test_page_support import FIRST_PICTURE, percent, play, set_hash, train_until

pytestmark = pytest.mark.e2e

HANG_GUARD_MS = 20_000

# Each class of character, in a run of ~200 kB (1 MB in all), in the places a link puts text.
RUNS = """
const size = 200_000;
const runs = {
  digits: '1'.repeat(size) + 'x',
  letters: 'a'.repeat(size),
  separators: ',.-+e'.repeat(size / 5),
  percent: '%'.repeat(size),
  unicode: 'é✓𝟙'.repeat(size / 4),
};
"""

# Runs inside a module worker: imports the page's own modules and parses every run in every place.
WORKER = RUNS + """
const base = self.location.origin;
const S = await import(base + '/js/playground/state.js');
const M = await import(base + '/js/mnist/state.js');
const H = await import(base + '/js/core/hash.js');
const W = await import(base + '/js/workshop/state.js');
const out = [];
for (const [name, run] of Object.entries(runs)) {
  out.push({ name, where: 'toNumber', result: String(H.toNumber(run)) });
  for (const hash of [`#step=${run}`, `#${run}=1`, `#${Array.from({ length: 400 }, (_, i) => `k${i}=1`).join('&')}`]) {
    const w = W.parse(hash);
    out.push({ name, where: `workshop ${hash.slice(0, 12)}`, notes: w.notes, defaults: w.given.size === 0 });
  }
  for (const [page, mod] of [['playground', S], ['mnist', M]]) {
    for (const hash of [`#seed=${run}`, `#networkShape=${run}`, `#${run}=1`, `#learningRate=0.1&${run}`]) {
      const { state, notes } = mod.parseHash(hash);
      out.push({ name, where: `${page} ${hash.slice(0, 16)}`, notes, defaults: JSON.stringify(state) === JSON.stringify(mod.defaults()) });
    }
    // the same run split into parts of a meaningful length: every part is read, the notes are capped
    const parts = `#${Array.from({ length: 400 }, (_, i) => `k${i}=${run.slice(0, 10)}`).join('&')}`;
    const many = mod.parseHash(parts);
    out.push({ name, where: `${page} many`, notes: many.notes, defaults: JSON.stringify(many.state) === JSON.stringify(mod.defaults()) });
  }
}
// the page's readers of engine messages and file names (the file name and the engine's words are
// user text: a model file's metadata, a CSV cell or a name come back inside them)
const Status = await import(base + '/js/core/status.js');
const PFiles = await import(base + '/js/playground/files.js');
const MFiles = await import(base + '/js/mnist/files.js');
for (const [name, run] of Object.entries(runs)) {
  const said = [];
  for (const line of [run, `ModelFileError: ${run}`, `a.${run}`, `${run}Error: x`, `${run}: is truncated`]) {
    said.push(Status.messageOf({ lastLine: line }));
    said.push(Status.failureHint({ message: line, traceback: line }));
    said.push(PFiles.importFailure(run, line));
    said.push(MFiles.problemOf({ lastLine: line }, run));
  }
  out.push({ name, where: 'messages', said: said.map((t) => [t.length, t.slice(0, 80), t.slice(-80)]),
             truncated: PFiles.importFailure(run, `${run}: is truncated`) === `Could not import ${run}: it is truncated. Your model is unchanged.`,
             mnistTruncated: MFiles.problemOf({ lastLine: `ModelFileError: ${run}: is truncated or damaged` }, run) === 'it is truncated or damaged.',
             typeGone: Status.messageOf({ lastLine: `nnpy.data.DataError: ${run}` }) === run });
}
postMessage(out);
"""


def run_guarded(page, source):
    """Run `source` as a module worker of the site; the result, or a failure after HANG_GUARD_MS."""
    return page.evaluate("""([source, guard]) => new Promise((resolve, reject) => {
        const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
        const worker = new Worker(url, { type: 'module' });
        const timer = setTimeout(() => { worker.terminate(); reject(new Error(`hung for ${guard} ms`)); }, guard);
        worker.onmessage = (e) => { clearTimeout(timer); worker.terminate(); resolve(e.data); };
        worker.onerror = (e) => { clearTimeout(timer); worker.terminate(); reject(new Error(e.message)); };
    })""", [source, HANG_GUARD_MS])


def test_every_hash_parser_reads_a_megabyte_of_each_kind_of_text_with_its_note(page, site_url):
    page.goto(site_url + "/__e2e__/blank.html")
    results = run_guarded(page, WORKER)
    assert {r["name"] for r in results} == {"digits", "letters", "separators", "percent", "unicode"}
    messages = [r for r in results if r["where"] == "messages"]
    assert len(messages) == 5
    for r in messages:   # every reader answered, with the sentence the student reads
        assert r["truncated"] and r["mnistTruncated"] and r["typeGone"], r["name"]
        assert len(r["said"]) == 20 and all(length > 0 for length, _, _ in r["said"]), r["name"]
    for r in results:
        if r["where"] == "messages":
            continue
        if r["where"] == "toNumber":
            assert r["result"] == "NaN", r
            continue
        notes = r["notes"]
        assert 1 <= len(notes) <= 5, r["where"]
        assert all(len(n) < 300 for n in notes), notes
        assert r["defaults"], r["where"]   # nothing from the long link was used
        if r["where"].endswith("many") or r["where"].startswith("workshop #k0="):
            assert notes[-1].startswith("… and ") and "more problems with the link" in notes[-1], notes
        elif r["where"].startswith("workshop"):
            assert "characters long" in notes[0] or "Ignored" in notes[0], notes
        else:
            assert "characters long" in notes[0] and "using the defaults" in notes[0], notes


def test_the_number_check_is_linear_and_still_reads_numbers(page, site_url):
    page.goto(site_url + "/__e2e__/blank.html")
    got = page.evaluate("""async () => { const H = await import('/js/core/hash.js');
        return ['1', '-2.5', '.5', '3.', '1e-3', '2E+4', '0x10', '', ' 1', 'Infinity', '1.2.3', '--1',
                '1'.repeat(32), '1'.repeat(33)].map((t) => String(H.toNumber(t))); }""")
    assert got == ["1", "-2.5", "0.5", "3", "0.001", "20000", "NaN", "NaN", "NaN", "NaN", "NaN", "NaN",
                   "1.1111111111111112e+31", "NaN"]


def test_a_repeated_key_and_too_many_activations_get_the_right_note_on_both_pages(page, site_url):
    page.goto(site_url + "/__e2e__/blank.html")
    got = page.evaluate("""async () => {
        const S = await import('/js/playground/state.js'), M = await import('/js/mnist/state.js');
        const out = {};
        for (const [name, mod] of [['playground', S], ['mnist', M]]) {
          const twice = mod.parseHash('#seed=3&learningRate=0.1&seed=5');
          const extra = mod.parseHash('#networkShape=4,4&activations=relu,tanh,sigmoid');
          const acts = extra.state.activations || extra.state.layers.map((l) => l.activation); // the MNIST state has layers
          out[name] = { seed: twice.state.seed, twice: twice.notes, extra: extra.notes, acts };
        }
        out.alias = M.parseHash('#networkShape=64&layers=32');
        return out; }""")
    for name in ("playground", "mnist"):
        r = got[name]
        assert r["seed"] == 3, name   # the first value counts
        assert r["twice"] == ["Ignored “seed=5”: the link already gives seed (“seed=3”), and the first one counts."]
        assert r["extra"] == ["The link lists 3 activations for 2 hidden layers; the extra ones are dropped."]
        assert r["acts"] == ["relu", "tanh"]
    assert [layer["units"] for layer in got["alias"]["state"]["layers"]] == [64]
    assert "already gives networkShape" in got["alias"]["notes"][0]


def open_page(page, site_url, hash_):
    """Load the playground and wait for its first picture, with room for a loaded machine."""
    page.set_default_timeout(120_000)
    page.goto(site_url + "/" + hash_, timeout=180_000)
    page.wait_for_function(FIRST_PICTURE, timeout=180_000)
    return page


def notes_on_screen(page):
    return page.locator("#notes li").all_inner_texts() if page.is_visible("#notes") else []


def test_a_megabyte_link_gives_its_note_and_the_playground_trains(page, site_url):
    open_page(page, site_url, "#seed=" + "1" * 1_000_000 + "x")
    shown = notes_on_screen(page)
    assert len(shown) == 1 and "1,000,006 characters long" in shown[0] and "using the defaults" in shown[0]
    assert page.input_value("#seed") == "1"
    train_until(page, lambda p: percent(p, "#test-acc") > 0 and int(p.inner_text("#epoch").replace(",", "")) >= 5,
                what="5 epochs")
    page.assert_no_errors()


def test_the_playground_caps_notes_and_clears_them_after_a_good_link(page, site_url):
    open_page(page, site_url, "#" + "&".join(f"unknown{i}=1" for i in range(5000)))
    assert notes_on_screen(page) == ["Ignored the link's settings: they are 68,889 characters long, and a "
                                     "setup of this page takes at most 8,192; using the defaults."]
    set_hash(page, "#" + "&".join(f"k{i}=1" for i in range(600)))
    shown = notes_on_screen(page)
    assert len(shown) == 5
    assert shown[0] == "Ignored “k0”: not a setting of this playground."
    assert shown[4] == "… and 596 more problems with the link."
    set_hash(page, "#dataset=xor&seed=7")
    assert page.is_hidden("#notes")      # the last link's notes go once a good link is typed in
    assert page.input_value("#seed") == "7"
    set_hash(page, "#seed=7&seed=8")
    assert notes_on_screen(page) == [
        "Ignored “seed=8”: the link already gives seed (“seed=7”), and the first one counts."]
    page.assert_no_errors()


def test_the_engine_failure_says_what_happened(page, site_url):
    page.goto(site_url + "/__e2e__/blank.html")
    hints = page.evaluate("""async () => {
        const { EngineError } = await import('/js/core/engine.js');
        const { failureHint } = await import('/js/core/status.js');
        return [
          // what engine.js makes of a download that failed, of a worker that died, of Python failing
          new EngineError('The engine could not start (build-info): Error: cannot fetch http://x/build-info.json: HTTP 503', { stage: 'build-info' }),
          new EngineError('The engine stopped: Uncaught RangeError: Out of memory', { type: 'WorkerError' }),
          new EngineError('The engine could not start (engine): ImportError: no module nnpy', { type: 'ImportError', stage: 'engine' }),
        ].map(failureHint); }""")
    assert hints[0].startswith("A file the engine needs did not arrive. Check the connection to this site.")
    assert hints[1].startswith("The Python worker stopped while it ran") and "connection" not in hints[1]
    assert hints[2].startswith("Python failed while it started") and "connection" not in hints[2]
    assert all(h.count("Try again") == 1 for h in hints)


def test_a_megabyte_link_gives_its_note_and_the_mnist_page_trains(page, site_url):
    from test_mnist_url import STOPPED_AFTER_ONE, open_mnist, params
    page.set_default_timeout(120_000)
    page.set_default_navigation_timeout(180_000)
    open_mnist(page, site_url, "#digits=1000&seed=" + "1" * 1_000_000 + "x")
    shown = notes_on_screen(page)
    assert len(shown) == 1 and "1,000,018 characters long" in shown[0] and "using the defaults" in shown[0]
    assert params(page)["seed"] == "0" and params(page)["digits"] == "10000"   # nothing of the link was used
    page.select_option("#subset", "1000")                                      # a short epoch for the test
    page.wait_for_function("document.getElementById('train-status').textContent.endsWith('press Train.')",
                           timeout=600_000)
    page.select_option("#epochs", "1")
    page.click("#train-button")
    page.wait_for_function(STOPPED_AFTER_ONE, timeout=600_000)   # room for a machine under heavy load
    assert page.inner_text("#epoch") == "1 / 1"
    page.assert_no_errors()


def test_a_bad_value_of_a_setting_without_a_default_reads_as_none_not_null_on_both_pages(page, site_url):
    """insideX1 (2-D page) and insideDigit (MNIST page) have no default; their notes said
    'using null', a word from JavaScript, not the student's."""
    page.goto(site_url + "/__e2e__/blank.html")
    got = page.evaluate("""async () => {
        const S = await import('/js/playground/state.js'), M = await import('/js/mnist/state.js');
        return { playground: S.parseHash('#inside=true&insideX1=1e308&insideX2=abc').notes,
                 mnist: M.parseHash('#inside=true&insideDigit=99999&insideLabel=42').notes }; }""")
    assert len(got["playground"]) == 2 and len(got["mnist"]) == 2, got
    for note in got["playground"] + got["mnist"]:
        assert note.startswith("Ignored “inside") and note.endswith("; using none."), note
        assert "null" not in note and "undefined" not in note, note


def test_on_the_page_a_worker_that_ends_does_not_blame_the_connection(page, site_url):
    """What the student reads when the Python worker ends under them (as a tab out of memory does:
    no message, no error event), while idle and while training; Try again trains on."""
    open_page(page, site_url, "#dataset=xor")
    for training in (False, True):
        if training:
            play(page)
            train_until(page, lambda p: int(p.inner_text("#epoch").replace(",", "")) >= 5, what="5 epochs")
        page.evaluate("() => window.nnpy.engine._worker.terminate()")
        page.wait_for_selector("#engine-retry", state="visible", timeout=30_000)
        text = page.inner_text("#engine-status")
        assert "connection" not in text and "Python" in text and "stopped" in text, text
        page.click("#engine-retry")
        page.wait_for_selector("#engine-status", state="hidden", timeout=180_000)
    train_until(page, lambda p: int(p.inner_text("#epoch").replace(",", "")) >= 10, what="10 epochs")
    page.assert_no_errors()


def renderer_bytes(browser):
    """Resident memory of Chromium's renderer processes (the page and its Python worker live there)."""
    import re
    cdp = browser.new_browser_cdp_session()
    try:
        processes = cdp.send("SystemInfo.getProcessInfo")["processInfo"]
    finally:
        cdp.detach()
    total = 0
    for p in processes:
        if p["type"] == "renderer":
            try:
                with open(f"/proc/{p['id']}/status") as f:
                    total += int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) * 1024
            except OSError:   # a renderer that just ended
                pass
    return total


@pytest.mark.skipif(not __import__("os").path.isdir("/proc/self"), reason="reads resident memory from /proc")
def test_the_playground_refuses_a_network_it_cannot_show_without_the_tab_holding_its_memory(
        page, site_url, browser, tmp_path):
    """A 300 KB file declaring 256 MiB of weights, and a 1 KB one declaring 490 MB: refused from the
    architecture, and the tab's memory does not grow by what they declare (it grew by 2-3 GB and
    kept it, issue 16). Resident memory of the renderers, measured before and after."""
    import json
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import hostile_files
    huge = tmp_path / "huge.nnpy"
    huge.write_bytes(hostile_files.zero_weights_file([(4096, 8192, "relu"), (8192, 1, "sigmoid")]))
    header = json.loads(hostile_files.read_members(huge.read_bytes())[0].data)
    bare = tmp_path / "bare.nnpy"
    bare.write_bytes(hostile_files.build_zip([hostile_files.Member("nnpy.json", json.dumps(header).encode())]))
    claims = [f.path for f in hostile_files.generate(tmp_path / "corpus") if f.kind == "claims_more"]
    open_page(page, site_url, "#dataset=xor")
    before = renderer_bytes(browser)
    for path in [huge, bare] + claims:
        page.evaluate("document.getElementById('file-status-close').click()")
        page.set_input_files("#model-file", str(path))
        page.wait_for_function("t => document.getElementById('file-status-text').textContent.startsWith(t)",
                               arg=f"Could not import {path.name}: ", timeout=120_000)
        assert page.inner_text("#file-status-text").endswith("Your model is unchanged.")
    grown = renderer_bytes(browser) - before
    assert grown < 100 * 2**20, f"the tab grew by {grown / 2**20:.0f} MB"
    # the meter sees WebAssembly memory the tab touches (Pyodide's heap is one): 256 MiB of it here
    after = renderer_bytes(browser)
    page.evaluate("() => { window.__held = new WebAssembly.Memory({ initial: 4096 }); "
                  "new Uint8Array(window.__held.buffer).fill(1); }")
    assert renderer_bytes(browser) - after > 200 * 2**20
    page.evaluate("() => { delete window.__held; }")
    train_until(page, lambda p: int(p.inner_text("#epoch").replace(",", "")) >= 5, what="5 epochs")

"""nnpy._formats.strict_json: the one strict JSON reader of model files and safetensors headers."""

import json

import numpy as np
import pytest

from nnpy._formats import strict_json
from nnpy._formats.strict_json import NestedTooDeep, StrictJSONError, loads, nesting_depth, plain


def reference_depth(raw):
    """A plain character-by-character scanner: the independent reference for nesting_depth.

    It stops at a backslash outside a string, where json stops parsing too (nesting_depth
    reads on and may count more: a bound, never less than what json would recurse into).
    """
    depth = peak = 0
    inside = escaped = False
    for ch in raw.decode("latin-1"):
        if not inside and ch == "\\":
            break
        if inside:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                inside = False
        elif ch == '"':
            inside = True
        elif ch in "[{":
            depth += 1
            peak = max(peak, depth)
        elif ch in "]}":
            depth -= 1
    return peak


def valid_prefix(raw):
    """``raw`` up to its first backslash outside a string."""
    inside = escaped = False
    for i, ch in enumerate(raw.decode("latin-1")):
        if inside:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                inside = False
        elif ch == '"':
            inside = True
        elif ch == "\\":
            return raw[:i]
    return raw


def test_nesting_depth_agrees_with_a_plain_scanner_on_random_text():
    rng = np.random.default_rng(0)
    alphabet = np.frombuffer(b'[]{}"\\ax,:', dtype=np.uint8)
    for n in [0, 1, 2, 7, 100, 5000]:
        for _ in range(40):
            raw = alphabet[rng.integers(0, len(alphabet), n)].tobytes()
            assert nesting_depth(raw) >= reference_depth(raw), raw[:200]
            assert nesting_depth(valid_prefix(raw)) == reference_depth(raw), raw[:200]


def test_nesting_depth_carries_strings_and_escapes_across_chunks(monkeypatch):
    monkeypatch.setattr(strict_json, "_CHUNK", 7)   # every state crosses a chunk border
    rng = np.random.default_rng(1)
    alphabet = np.frombuffer(b'[]{}"\\\\\\a', dtype=np.uint8)
    for _ in range(300):
        raw = b'"' + alphabet[rng.integers(0, len(alphabet), int(rng.integers(1, 80)))].tobytes()
        assert nesting_depth(valid_prefix(raw)) == reference_depth(raw), raw
    assert nesting_depth(b'{"a\\\\\\"[[[[": [[1]]}') == 3


def test_loads_refuses_what_json_leaves_undefined():
    assert loads(b'{"a": [1, 2.5, "x", null, true]}', max_depth=4) == {"a": [1, 2.5, "x", None, True]}
    for raw, message in [(b'{"a": 1, "a": 2}', "duplicate key 'a'"), (b"[NaN]", "NaN"),
                         (b"[-Infinity]", "Infinity"), (b"[1e999]", "out of range"),
                         (b"[" + b"1" * 101 + b"]", "integer of 101 digits"), (b"{", "Expecting")]:
        with pytest.raises(StrictJSONError, match=message):
            loads(raw, max_depth=4)
    with pytest.raises(UnicodeDecodeError):
        loads(b'["\xff"]', max_depth=4)


def test_deep_nesting_is_refused_before_json_parses_it():
    raw = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(NestedTooDeep, match=r"100000 levels; the limit is 64") as info:
        loads(raw, max_depth=64)
    assert info.value.depth == 100_000
    assert loads(b"[" * 64 + b"]" * 64, max_depth=64) == json.loads("[" * 64 + "]" * 64)


def test_long_runs_of_every_character_class_are_answered():
    # 1 MB runs: each is refused (or parsed) with its message; a quadratic step would hang here
    for raw, error in [(b"1" * 2**20, "integer of"), (b'"' + b"\\\"" * 2**19, "Unterminated"),
                       (b"[" * 2**20, "nested too deeply"), (b"{" + b'"a":1,' * 2**17, "Expecting"),
                       ("é".encode() * 2**19, "Expecting value"), (b"%" * 2**20, "Expecting value")]:
        with pytest.raises(StrictJSONError, match=error):
            loads(raw, max_depth=100)


def test_plain_converts_numpy_and_names_the_bad_place():
    assert plain({"a": np.float32(0.5), "b": np.arange(3), "c": (1, True)}, "metadata") == \
        {"a": 0.5, "b": [0, 1, 2], "c": [1, True]}
    with pytest.raises(ValueError, match=r"metadata\['a'\]\[1\] is nan"):
        plain({"a": [1, float("nan")]}, "metadata")
    with pytest.raises(ValueError, match="nested more than 3 levels"):
        plain([[[[[1]]]]], "metadata", max_depth=3)
    with pytest.raises(ValueError, match=r"metadata\[0\] is a set"):
        plain([{1}], "metadata")

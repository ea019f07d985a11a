"""Strict JSON for files a user hands us, in time linear in their length.

One reader for every JSON text inside a file nnpy loads (a model file's
``nnpy.json``, a safetensors header):

- nesting is measured first (:func:`nesting_depth`, linear, bounded memory):
  ``json``'s C parser recurses on ``[`` and ``{``, and in a browser's Python a
  deep enough nest overflows the JavaScript stack, which is a crash and not
  an exception;
- duplicate keys, ``NaN``, ``Infinity`` and numbers that overflow a float are
  refused (the JSON text standard, RFC 8259, leaves them undefined);
- an integer of more than 100 digits is refused: ``int()`` of a digit string
  takes time quadratic in its length.

:func:`plain` is the other direction: turn NumPy scalars and arrays into plain
JSON data before writing, naming the place of anything that is not data.
"""

import json
import math

import numpy as np

MAX_INT_DIGITS = 100
_CHUNK = 1 << 16          # 64 KB at a time: a few hundred KB of temporaries


class StrictJSONError(ValueError):
    """The text is not strict JSON; the message says what is wrong (without the file's name)."""


class NestedTooDeep(StrictJSONError):
    """``[``/``{`` nesting deeper than allowed; ``depth`` is what was found (or ``None``)."""

    def __init__(self, depth, limit):
        self.depth, self.limit = depth, limit
        found = f" ({depth} levels; the limit is {limit})" if depth is not None else ""
        super().__init__(f"JSON nested too deeply{found}")


def nesting_depth(raw):
    """The deepest ``[``/``{`` nesting of JSON bytes, outside strings.

    Linear time, in chunks of 64 KB so memory stays bounded. A quote opens or
    closes a string unless an odd run of backslashes precedes it.

    Args:
        raw: ``bytes`` (UTF-8: every character that matters here is ASCII).

    Returns:
        An ``int >= 0``.
    """
    depth = peak = 0
    inside = False    # inside a string where the chunk starts
    run = 0           # backslashes just before the chunk
    for start in range(0, len(raw), _CHUNK):
        b = np.frombuffer(raw, dtype=np.uint8, count=min(_CHUNK, len(raw) - start), offset=start)
        index = np.arange(len(b), dtype=np.int64)
        last_plain = np.maximum.accumulate(np.where(b == 92, -1, index))  # latest non-backslash
        before = np.empty(len(b), dtype=np.int64)                          # backslashes before i
        before[0] = run
        before[1:] = index[:-1] - last_plain[:-1]
        before[1:] += np.where(last_plain[:-1] < 0, run, 0)
        quote = (b == 34) & (before % 2 == 0)
        in_string = (np.cumsum(quote, dtype=np.int64) % 2 == 1) ^ inside
        step = ((b == 91) | (b == 123)).astype(np.int64)
        step -= (b == 93) | (b == 125)
        step[in_string] = 0
        running = np.cumsum(step) + depth
        peak, depth = max(peak, int(running.max())), int(running[-1])
        inside = bool(in_string[-1])
        tail = len(b) - 1 - int(last_plain[-1])
        run = run + len(b) if last_plain[-1] < 0 else tail
    return peak


def loads(raw, *, max_depth):
    """Parse UTF-8 JSON bytes strictly (see the module docstring).

    Args:
        raw: ``bytes``.
        max_depth: the deepest ``[``/``{`` nesting accepted.

    Returns:
        The parsed value (dict, list, str, int, float, bool or None).

    Raises:
        UnicodeDecodeError: ``raw`` is not UTF-8 (``exc.start`` is the byte).
        NestedTooDeep: nested deeper than ``max_depth``.
        StrictJSONError: anything else, in ``json``'s words or ours.
    """
    text = bytes(raw).decode("utf-8")
    depth = nesting_depth(raw)
    if depth > max_depth:
        raise NestedTooDeep(depth, max_depth)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants,
                          parse_float=_finite_float, parse_int=_short_int)
    except RecursionError:
        raise NestedTooDeep(None, max_depth) from None
    except ValueError as exc:
        raise StrictJSONError(str(exc)) from None


def _no_duplicates(pairs):
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return out


def _no_constants(name):
    raise ValueError(f"{name} is not a number in JSON")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _short_int(text):
    if len(text) > MAX_INT_DIGITS:  # long digit strings cost quadratic time to convert
        raise ValueError(f"an integer of {len(text)} digits")
    return int(text)


def type_name(value):
    """``'an object'``, ``'a list'``... for messages about parsed JSON."""
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            int: "an integer", float: "a number", type(None): "null"}.get(type(value),
                                                                           type(value).__name__)


def plain(value, where, max_depth=64, depth=0):
    """``value`` as plain JSON data (NumPy scalars and arrays converted).

    Args:
        value: dicts with string keys, lists, tuples, str, int, finite float,
            bool, None, NumPy scalars and arrays.
        where: the value's name in messages (``"metadata"``).

    Raises:
        ValueError: naming the place (``metadata['a'][2]``) of anything else,
            a non-finite float, or nesting deeper than ``max_depth``.
    """
    if depth > max_depth:
        raise ValueError(f"{where} is nested more than {max_depth} levels deep")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value}; JSON metadata must be finite")
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has the key {key!r}; JSON keys must be strings")
            out[key] = plain(item, f"{where}[{key!r}]", max_depth, depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [plain(item, f"{where}[{i}]", max_depth, depth + 1) for i, item in enumerate(value)]
    raise ValueError(f"{where} is a {type(value).__name__}; metadata must be JSON data "
                     "(dict, list, str, int, float, bool, None)")

"""The hardened reader of nnpy model files: a zip of one JSON header and ``.npy`` arrays.

Private: :mod:`nnpy.saved_models` tells the story (the format, what is checked,
in which order); this module does the byte work, trusting nothing:

- the source (a path, bytes or a binary file object) is sized before it is
  read, and a FIFO or a directory is refused without waiting;
- the zip end record, the directory and every local header are checked
  against each other; entries must tile the archive from byte 0 to the
  directory (overlapping-entry zip bombs and polyglots are refused), with
  plain names, stored or deflated, unencrypted, no ZIP64;
- every size is checked against a cap *before* anything is allocated or
  decompressed, and a deflated entry is inflated through a bounded inflater
  that never produces more than the directory declared (a zip bomb whose
  directory lies is stopped too); its CRC-32 must match;
- a ``.npy`` header is parsed as literals only, after a linear check that it
  is a flat dict (``ast.literal_eval`` recurses, and a deep nest overflows a
  browser's stack); its dtype, shape and size must be what the caller needs.

Allocation follows the bytes present: :meth:`Archive.check_npy` verifies an
entry completely (for a deflated one: inflates it once, discarding the
output, and checks its length and CRC-32) before :meth:`Archive.read_npy_into`
fills memory the caller allocated for it.

Every problem raises the caller's error type (``error(problem, origin)``).
"""

import ast
import hashlib
import io
import math
import os
import re
import stat
import struct
import zlib
from collections import namedtuple

import numpy as np

MAX_NPY_HEADER = 10000           # numpy's own default cap on a .npy header
_CHUNK = 1 << 20
_MAX_DIRECTORY_RECORD = 1024     # a directory record with its name, extra field and comment
_DEFLATE_MAX_RATIO = 1032        # deflate cannot expand more than this
_EOCD = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
_PY_STRING = re.compile(r"'[^'\\]*(?:\\.[^'\\]*)*'" + r'|"[^"\\]*(?:\\.[^"\\]*)*"', re.S)

Entry = namedtuple("Entry", "name method flags crc csize usize offset")
NpyArray = namedtuple("NpyArray", "entry label descr shape fortran data_offset nbytes")


def size_in_words(n):
    """``n`` bytes in words: ``'1.5 GB'``."""
    if n >= 2**50:
        return "more than 1,000 TB"
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


_size = size_in_words


def sign(data, prefix):
    """``data`` (a comment-less zip) with the archive comment ``prefix + SHA-256`` of what
    precedes its end record, the checksum :meth:`Archive.entries` verifies."""
    if data[-_EOCD.size:-_EOCD.size + 4] != b"PK\x05\x06" or data[-2:] != b"\0\0":
        raise RuntimeError("unexpected zip layout from zipfile")  # pragma: no cover
    comment = prefix + hashlib.sha256(data[:-_EOCD.size]).hexdigest().encode("ascii")
    return data[:-2] + struct.pack("<H", len(comment)) + comment


class Archive:
    """One model file being read: its source, its size and the checks, in the order they run.

    Args:
        source: a path, bytes, or a binary file object.
        error: ``error(problem, origin)`` makes the exception raised.
        header_name: the JSON entry every file holds (``"nnpy.json"``).
        max_header_bytes: cap on that entry.
        max_bytes: cap on the arrays' data in all.
        max_entries: cap on the number of zip entries.
        checksum_prefix: the archive comment's prefix before the hex SHA-256.
    """

    def __init__(self, source, *, error, header_name, max_header_bytes, max_bytes, max_entries,
                 checksum_prefix):
        self.f = None
        self.own_file = False
        self.origin = "the model file"
        self.error = error
        self.header_name = header_name
        self.max_header_bytes = max_header_bytes
        self.max_entries = max_entries
        self.checksum_prefix = checksum_prefix
        self._starts = {}      # entry name -> offset of its data
        self._cd_offset = 0    # where the zip directory starts
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise error(f"max_bytes must be a positive int. Received: {max_bytes!r}")
        self.max_bytes = max_bytes
        self.file_limit = max_bytes + max_header_bytes + max_entries * (MAX_NPY_HEADER + 1024)
        try:
            self._open(source)
        except BaseException:
            self.close()
            raise

    def fail(self, message):
        return self.error(message, self.origin)

    def close(self):
        if self.own_file and self.f is not None:
            self.f.close()

    # -- the source ------------------------------------------------------------------

    def _open(self, source):
        if isinstance(source, (bytes, bytearray, memoryview)):
            self.origin = "the model data"
            data = bytes(source)
            self.f, self.size = io.BytesIO(data), len(data)
        elif isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            self.origin = f"model file {path!r}"
            try:
                # stat first: opening a FIFO for reading would wait for a writer forever
                mode = os.stat(path).st_mode
                if stat.S_ISDIR(mode):
                    raise self.fail("is a directory, not a model file")
                if not stat.S_ISREG(mode):
                    raise self.fail("is not a regular file")
                self.f = open(path, "rb")
            except OSError as exc:
                raise self.fail(f"cannot be read: {exc.strerror or exc}") from None
            self.own_file = True
            self.size = os.fstat(self.f.fileno()).st_size
        elif hasattr(source, "read"):
            self.origin = "the model file"
            try:
                data = source.read(self.file_limit + 1)
            except (OSError, ValueError) as exc:   # ValueError: a closed file
                raise self.fail(f"cannot be read: {exc}") from None
            if isinstance(data, str):
                raise self.fail("was opened in text mode; open it with 'rb'")
            if not isinstance(data, (bytes, bytearray)):
                raise self.fail(f"read() returned {type(data).__name__}, not bytes")
            self.f, self.size = io.BytesIO(bytes(data)), len(data)
        else:
            raise self.error("A model source is a path, bytes or a binary file object. "
                                 f"Received: {type(source).__name__}")
        if self.size == 0:
            raise self.fail("is empty (0 bytes)")
        if self.size > self.file_limit:
            raise self.fail(f"is too large: {_size(self.size)}, more than the "
                            f"{_size(self.file_limit)} limit for a model of at most "
                            f"{_size(self.max_bytes)} of weights")

    def _read_at(self, offset, n):
        self.f.seek(offset)
        data = self.f.read(n)
        if len(data) != n:
            raise self.fail("is truncated: it ends before its zip directory says")
        return data

    # -- the zip structure -------------------------------------------------------------------

    def entries(self):
        """``{name: Entry}`` of a signed archive whose every structural check passed.

        A file nnpy wrote carries a SHA-256 of everything before its end record:
        it is checked first, so any damage reads as damage. An unsigned zip is
        looked at (to say what it is: a PyTorch pickle, a NumPy archive, a zip
        bomb) and then refused.
        """
        end = self._find_end()
        if end is None:
            raise self._not_a_zip()
        eocd_offset, record, comment = end
        signed = comment.startswith(self.checksum_prefix)
        if signed:
            self._check_checksum(eocd_offset, comment)
        entries = self._read_directory(eocd_offset, record)
        self._check_entries(entries)
        if not signed:
            raise self.fail("has no nnpy checksum (the zip comment): it was not written by "
                            "nnpy.save_model, or it is damaged")
        return {e.name: e for e in entries}

    def read_entry(self, entry):
        """The whole uncompressed content of ``entry`` (bounded by its checked size)."""
        stream = _Stream(self, entry)
        data = stream.read(entry.usize)
        stream.finish()
        return data

    def _find_end(self):
        """``(offset, record, comment)`` of the zip end record whose comment ends the file, or None."""
        tail_len = min(self.size, _EOCD.size + 0xFFFF)
        tail = self._read_at(self.size - tail_len, tail_len)
        pos = tail.rfind(b"PK\x05\x06")
        while pos >= 0:
            if pos + _EOCD.size <= len(tail):
                comment_len = struct.unpack_from("<H", tail, pos + 20)[0]
                if pos + _EOCD.size + comment_len == len(tail):
                    return (self.size - tail_len + pos, tail[pos:pos + _EOCD.size],
                            tail[pos + _EOCD.size:])
            pos = tail.rfind(b"PK\x05\x06", 0, pos)
        return None

    def _not_a_zip(self):
        """The error for a file with no zip end record: name what it is, if we can."""
        head = self._read_at(0, min(self.size, 512))
        last = self._read_at(self.size - 1, 1)
        if (head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5) or \
                (last == b"." and head[:1] in (b"(", b"c", b"]", b"}")):
            return self.fail("is a pickle file; nnpy never loads pickles (they can run any "
                             "code). Save the model with nnpy.save_model")
        if head.startswith(b"\x93NUMPY"):
            return self.fail("is a single NumPy .npy array, not an nnpy model file")
        if head.startswith(b"\x89HDF\r\n\x1a\n"):
            return self.fail("is an HDF5 file (a Keras .h5?), not an nnpy model file")
        if len(head) >= 10 and head[8:10] in (b'{"', b"{'", b"{ ") and \
                struct.unpack("<Q", head[:8])[0] <= self.size - 8:
            return self.fail("is a safetensors file (weights without an architecture), not an "
                             "nnpy model file")
        if head.startswith(b"PK") or b"PK\x03\x04".startswith(head):
            return self.fail("is truncated or damaged: the zip end record is missing")
        if all(b >= 0x20 or b in (9, 10, 13) for b in head):
            start = head[:40].decode("utf-8", "replace").split("\n")[0]
            return self.fail(f"is a text file (it starts {start!r}), not an nnpy model file")
        return self.fail("is not an nnpy model file (not a zip archive; it may be truncated "
                         "or damaged)")

    def _read_directory(self, eocd_offset, record):
        _, disk, cd_disk, n_disk, n_total, cd_size, cd_offset, _ = _EOCD.unpack(record)
        if n_total == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:
            raise self.fail("uses ZIP64 records, which nnpy model files never need "
                            "(damaged, or not an nnpy model file)")
        if disk or cd_disk or n_disk != n_total:
            raise self.fail("is damaged: its zip end record describes a multi-part archive")
        if n_total > self.max_entries:
            raise self.fail(f"has {n_total} zip entries, more than the {self.max_entries} limit")
        if n_total == 0:
            raise self.fail("is an empty zip archive, not an nnpy model file")
        if cd_offset + cd_size != eocd_offset:
            raise self.fail("is damaged or truncated: the zip directory is not where its end "
                            "record says")
        if cd_size > n_total * _MAX_DIRECTORY_RECORD:
            raise self.fail(f"is damaged: its zip directory is {_size(cd_size)}, more than "
                            f"{n_total} entries need")
        self._cd_offset = cd_offset
        directory = self._read_at(cd_offset, cd_size)
        entries, pos = [], 0
        for _ in range(n_total):
            if pos + _CENTRAL.size > len(directory) or \
                    directory[pos:pos + 4] != b"PK\x01\x02":
                raise self.fail("is damaged: a zip directory record is broken")
            (_, _, _, flags, method, _, _, crc, csize, usize, name_len, extra_len,
             comment_len, _, _, _, offset) = _CENTRAL.unpack_from(directory, pos)
            raw_name = directory[pos + _CENTRAL.size:pos + _CENTRAL.size + name_len]
            pos += _CENTRAL.size + name_len + extra_len + comment_len
            if pos > len(directory):
                raise self.fail("is damaged: a zip directory record is broken")
            try:
                name = raw_name.decode("ascii")
            except UnicodeDecodeError:
                raise self.fail(f"has the zip entry name {raw_name!r}, which is not ASCII "
                                "(damaged, or not an nnpy model file)") from None
            entries.append(Entry(name, method, flags, crc, csize, usize, offset))
        if pos != len(directory):
            raise self.fail("is damaged: the zip directory has trailing bytes")
        return entries

    def _check_entries(self, entries):
        """Names, duplicates, sizes and placement of every entry, before any is read."""
        seen = set()
        for e in entries:
            parts = re.split(r"[/\\]", e.name)
            if parts[-1].endswith((".pkl", ".pickle")):
                raise self.fail(f"holds a pickle ({e.name!r}; a PyTorch or joblib file?); "
                                "nnpy never loads pickles")
            if e.name.startswith(("/", "\\")) or ".." in parts or len(parts) > 1 or \
                    re.match(r"[A-Za-z]:", e.name):
                raise self.fail(f"has the unsafe zip entry name {e.name!r} (a path, as in a "
                                "path traversal attack); nnpy model files hold plain names only")
            if e.name in seen:
                raise self.fail(f"has a duplicate zip entry {e.name!r}")
            seen.add(e.name)
        if self.header_name not in seen:
            npz = all(name.endswith(".npy") for name in seen)
            raise self.fail(f"is not an nnpy model file: it has no {self.header_name}"
                            + (" (it looks like a NumPy .npz archive)" if npz else ""))
        for e in entries:
            if not _SAFE_NAME.match(e.name):
                raise self.fail(f"has the unexpected zip entry {e.name!r}")
            if e.name != self.header_name and not e.name.endswith(".npy"):
                raise self.fail(f"has the unexpected zip entry {e.name!r} (only {self.header_name} "
                                "and .npy arrays belong in an nnpy model file)")
            if e.flags & 0x1:
                raise self.fail(f"zip entry {e.name!r} is encrypted")
            if e.method not in (0, 8):
                raise self.fail(f"zip entry {e.name!r} uses compression method {e.method}; "
                                "nnpy reads stored and deflated entries only")
            limit = self.max_header_bytes if e.name == self.header_name else \
                self.max_bytes + MAX_NPY_HEADER + 12
            if e.usize > limit:
                raise self.fail(f"zip entry {e.name!r} declares {_size(e.usize)} uncompressed, "
                                f"more than the {_size(limit)} limit")
            if e.method == 0 and e.csize != e.usize:
                raise self.fail(f"is damaged: stored zip entry {e.name!r} has different "
                                "compressed and uncompressed sizes")
            if e.method == 8 and e.usize > max(e.csize, 1) * _DEFLATE_MAX_RATIO:
                raise self.fail(f"zip entry {e.name!r} declares {_size(e.usize)} from "
                                f"{_size(e.csize)} of compressed data, more than deflate can "
                                "produce: a zip bomb or a damaged file")
        total = sum(e.usize for e in entries)
        total_limit = self.max_bytes + self.max_header_bytes + len(entries) * (MAX_NPY_HEADER + 12)
        if total > total_limit:
            raise self.fail(f"declares {_size(total)} uncompressed in all, more than the "
                            f"{_size(total_limit)} limit")
        # Entries must tile the archive: from byte 0, one after another, up to the directory.
        # Overlaps (a known zip bomb trick) and unexplained bytes (a polyglot) are refused.
        cd_offset, pos, prev_flags = self._cd_offset, 0, 0
        for e in sorted(entries, key=lambda e: e.offset):
            if not _adjacent(pos, e.offset, prev_flags):
                if e.offset < pos:
                    raise self.fail(f"is damaged: zip entry {e.name!r} overlaps another (an "
                                    "overlapping-entry zip bomb?)")
                raise self.fail(f"is damaged: {e.offset - pos} bytes before zip entry "
                                f"{e.name!r} belong to no entry (data added to the file?)")
            if e.offset + _LOCAL.size > cd_offset:
                raise self.fail(f"is damaged: zip entry {e.name!r} lies outside the archive")
            local = _LOCAL.unpack(self._read_at(e.offset, _LOCAL.size))
            sig, _, flags, method, _, _, _, _, _, name_len, extra_len = local
            start = e.offset + _LOCAL.size + name_len + extra_len
            if sig != b"PK\x03\x04" or method != e.method or (flags & 0x1) != (e.flags & 0x1) or \
                    self._read_at(e.offset + _LOCAL.size, name_len) != e.name.encode("ascii"):
                raise self.fail(f"is damaged: the local header of zip entry {e.name!r} does not "
                                "match the zip directory")
            if start + e.csize > cd_offset:
                raise self.fail(f"is truncated or damaged: zip entry {e.name!r} runs past the "
                                "end of its data")
            self._starts[e.name] = start
            pos, prev_flags = start + e.csize, e.flags
        if not _adjacent(pos, cd_offset, prev_flags):
            raise self.fail(f"is damaged: {cd_offset - pos} bytes before the zip directory "
                            "belong to no entry (data added to the file?)")

    def _check_checksum(self, eocd_offset, comment):
        expected = comment[len(self.checksum_prefix):]
        if not re.fullmatch(rb"[0-9a-f]{64}", expected):
            raise self.fail("is damaged: its nnpy checksum is malformed")
        digest = hashlib.sha256()
        self.f.seek(0)
        left = eocd_offset
        while left:
            chunk = self.f.read(min(_CHUNK, left))
            if not chunk:
                raise self.fail("is truncated")
            digest.update(chunk)
            left -= len(chunk)
        if digest.hexdigest().encode("ascii") != expected:
            raise self.fail("is damaged: its content does not match its nnpy checksum (SHA-256)")

    # -- .npy arrays ---

    def check_npy(self, entry, label, descr, shape):
        """Check a ``.npy`` entry completely, allocating nothing of the size it declares.

        The header must be a plain ``.npy`` header with dtype ``descr`` and
        shape ``shape``, and the entry must hold exactly that many bytes after
        it. A deflated entry is inflated once to its end (output discarded) so
        its length and CRC-32 are known good before anything is allocated.

        Args:
            entry: an :class:`Entry` from :meth:`entries`.
            label: what the array is, for messages (``"weights 0.W"``).
            descr: the little-endian dtype string wanted (``"<f8"``).
            shape: the shape wanted.

        Returns:
            An :class:`NpyArray` for :meth:`read_npy_into`.
        """
        stream = _Stream(self, entry)
        if entry.usize < 10:
            raise self.fail(f"{label} ({entry.name}) is too short to be a .npy array")
        magic = stream.read(8)
        if magic[:1] == b"\x80" and 2 <= magic[1] <= 5:
            raise self.fail(f"{label} ({entry.name}) is a pickle; nnpy never loads pickles")
        if magic[:6] != b"\x93NUMPY":
            raise self.fail(f"{label} ({entry.name}) is not a .npy array")
        major = magic[6]
        if major == 1:
            prefix, header_len = 10, struct.unpack("<H", stream.read(2))[0]
        elif major in (2, 3):
            prefix, header_len = 12, struct.unpack("<I", stream.read(4))[0]
        else:
            raise self.fail(f"{label}: unsupported .npy format version {major}.{magic[7]}")
        if header_len > MAX_NPY_HEADER:
            raise self.fail(f"{label}: the .npy header is {_size(header_len)}, more than the "
                            f"{MAX_NPY_HEADER}-byte limit")
        if prefix + header_len > entry.usize:
            raise self.fail(f"{label}: the .npy header is truncated")
        text = stream.read(header_len).decode("latin-1" if major < 3 else "utf-8", "replace")
        try:
            fields = _literal(text)
        except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
            raise self.fail(f"{label}: the .npy header is malformed: {text[:60]!r}") from None
        if not isinstance(fields, dict) or set(fields) != {"descr", "fortran_order", "shape"}:
            raise self.fail(f"{label}: the .npy header is malformed (it needs exactly descr, "
                            f"fortran_order and shape): {text[:60]!r}")
        got_descr, fortran, got_shape = fields["descr"], fields["fortran_order"], fields["shape"]
        if not isinstance(fortran, bool):
            raise self.fail(f"{label}: the .npy header's fortran_order is not True or False")
        if not isinstance(got_shape, tuple) or not all(
                isinstance(d, int) and not isinstance(d, bool) for d in got_shape):
            raise self.fail(f"{label}: the .npy header's shape {_short(got_shape)} is not a "
                            "tuple of integers")
        if any(d < 0 for d in got_shape):
            raise self.fail(f"{label}: the .npy header's shape {got_shape} has a negative size")
        if got_descr != descr:
            raise self.fail(f"{label} have dtype {_describe_dtype(got_descr)}; this "
                            f"{np.dtype(descr).name} model needs little-endian "
                            f"{np.dtype(descr).name} ({descr!r})")
        itemsize = np.dtype(descr).itemsize
        nbytes = math.prod(got_shape) * itemsize
        if nbytes > self.max_bytes:
            raise self.fail(f"{label}: the .npy header declares shape {_short(got_shape)}: "
                            f"{_size(nbytes)} of data, more than the {_size(self.max_bytes)} limit")
        if got_shape != tuple(shape):
            raise self.fail(f"{label} have shape {got_shape}, but the architecture needs "
                            f"{tuple(shape)}")
        if prefix + header_len + nbytes != entry.usize:
            raise self.fail(f"{label}: the zip entry holds {entry.usize - prefix - header_len} "
                            f"bytes of data, but shape {got_shape} needs {nbytes} (truncated "
                            "or padded)")
        if entry.method == 8:
            stream.skip(nbytes)
            stream.finish()
        return NpyArray(entry, label, descr, tuple(got_shape), fortran, prefix + header_len, nbytes)

    def read_npy_into(self, npy, out):
        """Fill ``out`` (of the checked shape) with the array's values; refuse NaN and infinities.

        ``out`` is written in place: a view into a model's flat parameter
        vector, say, so no second copy of the weights is ever made.
        """
        stream = _Stream(self, npy.entry)
        stream.skip(npy.data_offset)
        direct = (not npy.fortran and out.flags.c_contiguous and out.dtype.str == npy.descr
                  and out.shape == npy.shape)
        target = out if direct else np.empty(npy.shape, dtype=npy.descr, order="F" if npy.fortran else "C")
        stream.readinto(memoryview(target.reshape(-1, order="A")).cast("B"))
        stream.finish()
        finite = np.isfinite(target)
        if not finite.all():
            raise self.fail(f"{npy.label} hold {int(finite.size - finite.sum())} NaN or infinite "
                            "value(s)")
        if not direct:
            out[...] = target



class _Stream:
    """The uncompressed bytes of one zip entry, never more than its declared size."""

    def __init__(self, reader, entry):
        self.reader = reader
        self.entry = entry
        self.pos = reader._starts[entry.name]
        self.raw_left = entry.csize
        self.produced = 0
        self.crc = 0
        self.inflater = zlib.decompressobj(-15) if entry.method == 8 else None
        self.pending = b""

    def _fail(self, message):
        return self.reader.fail(f"zip entry {self.entry.name!r} {message}")

    def _raw(self, n):
        n = min(n, self.raw_left)
        data = self.reader._read_at(self.pos, n) if n else b""
        self.pos += n
        self.raw_left -= n
        return data

    def _inflate(self, limit):
        if not self.pending:
            if self.inflater.eof:
                raise self._fail("is damaged: its compressed data ends before its declared size")
            self.pending = self._raw(_CHUNK)
            if not self.pending:
                raise self._fail("is truncated or damaged: its compressed data ends early")
        try:
            out = self.inflater.decompress(self.pending, limit)
        except zlib.error as exc:
            raise self._fail(f"is damaged: its compressed data is invalid ({exc})") from None
        self.pending = self.inflater.unconsumed_tail
        if self.inflater.eof:
            if self.inflater.unused_data or self.raw_left:
                raise self._fail("is damaged: bytes follow the end of its compressed data")
            self.pending = b""
        return out

    def readinto(self, view):
        need = len(view)
        if self.produced + need > self.entry.usize:
            raise self._fail("is shorter than its content needs (truncated?)")
        filled = 0
        while filled < need:
            if self.inflater is None:
                chunk = self._raw(min(need - filled, _CHUNK))
            else:
                chunk = self._inflate(min(need - filled, _CHUNK))
            view[filled:filled + len(chunk)] = chunk
            filled += len(chunk)
        self.crc = zlib.crc32(view, self.crc)
        self.produced += need

    def read(self, n):
        buffer = bytearray(n)
        self.readinto(memoryview(buffer))
        return bytes(buffer)

    def skip(self, n):
        """Read ``n`` bytes in chunks of at most 1 MB and drop them (the CRC still counts them)."""
        buffer = bytearray(min(n, _CHUNK))
        while n:
            view = memoryview(buffer)[:min(n, _CHUNK)]
            self.readinto(view)
            n -= len(view)

    def finish(self):
        """Check the entry ends exactly at its declared size and its CRC-32 matches."""
        if self.produced != self.entry.usize:
            raise self._fail(f"holds {self.entry.usize} bytes, more than its content needs "
                             f"({self.produced}): damaged or padded")
        if self.inflater is not None:
            while not self.inflater.eof:
                if self._inflate(1):
                    raise self._fail(f"decompresses to more than its declared "
                                     f"{_size(self.entry.usize)}: a zip bomb whose directory "
                                     "lies, or a damaged file")
        if (self.crc & 0xFFFFFFFF) != self.entry.crc:
            raise self._fail("is damaged: its CRC-32 does not match")


def _adjacent(end, offset, flags):
    """True when the next record at ``offset`` follows data ending at ``end`` (after the
    optional 12- or 16-byte data descriptor that flag bit 3 announces)."""
    return offset == end or (flags & 0x8 and offset - end in (12, 16))


def _literal(text):
    """``ast.literal_eval`` of a .npy header, after checking it is simple.

    literal_eval never runs code, but its parser recurses on nesting and on chains
    of operators; deep enough, that overflows the stack of a browser's Python. A
    header is a flat dict of strings, booleans and a tuple of integers, so anything
    deeper or with other words and operators is refused first.
    """
    bare = _PY_STRING.sub("''", text)
    if not re.fullmatch(r"[\s\w(){}\[\],:.'\-]*", bare, re.ASCII) or re.search(r"-\s*-", bare):
        raise ValueError("unexpected characters")
    if set(re.findall(r"[A-Za-z_]\w*", bare)) - {"True", "False", "None"}:
        raise ValueError("unexpected words")
    depth = peak = 0
    for char in bare:
        if char in "([{":
            depth += 1
            peak = max(peak, depth)
        elif char in ")]}":
            depth -= 1
    if peak > 8:
        raise ValueError("nested too deeply")
    return ast.literal_eval(text)  # literals only: never runs code


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _describe_dtype(descr):
    """Words for a .npy descr, naming the problem: objects, big-endian, complex, integers..."""
    if not isinstance(descr, str):
        return f"{_short(descr)} (a structured dtype)"
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError):
        return f"{descr!r} (not a NumPy dtype)"
    if dtype.hasobject:
        return f"{descr!r}: Python objects (pickled data, which nnpy never loads)"
    kinds = {"c": "complex", "i": "integer", "u": "unsigned integer", "b": "boolean",
             "U": "text", "S": "bytes", "V": "raw void", "M": "datetime", "m": "timedelta"}
    if dtype.kind == "f" and dtype.byteorder == ">":
        return f"{descr!r} (big-endian {dtype.name})"
    if dtype.kind in kinds:
        return f"{descr!r} ({kinds[dtype.kind]})"
    return f"{descr!r} ({dtype.name})"

// Merges the data segments of a wasm module that lie close together.
//
// The frontend links with `--no-merge-data-segments` so that `cargo leptos build --split` can
// move each page's constants into that page's chunk (frontend/build.rs). The modules then carry
// one segment per constant (~2,700 in the main module), each with a header and an offset that
// brotli cannot squeeze; merged, with the gaps between them written as zeros (which it can), the
// main module is about 7 KB smaller as sent.
//
// Only the main module is packed: it defines the memory, so its segments are written into
// memory that is still all zeros, and zero-filling a gap there changes nothing (a chunk's
// constants in that gap are written when the chunk is instantiated, later). A chunk imports
// the memory and is instantiated while the app runs: zeros written by it could overwrite what
// other modules keep there, so chunks are left as they are (packing them saved ~150 bytes).
// Only segments that are all active, at constant offsets, with no two overlapping, are merged;
// code cannot use an active segment by index once the module is instantiated (it is dropped by
// then), so renumbering them changes nothing it does. The result must still validate.
'use strict';

/** Zero bytes written to join two segments; past this the two stay apart. */
const MAX_GAP = 256;

/** A LEB128 number at `at`: [value, where the next field starts]. */
function readLeb(bytes, at, signed = false) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  if (signed && byte & 0x40) value -= 2 ** shift;
  return [value, at];
}

/** `value` as LEB128. */
function leb(value, signed = false) {
  const out = [];
  for (;;) {
    const byte = value & 0x7f;
    value = Math.floor(value / 128);
    const last = signed ? (value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40) : value === 0;
    out.push(last ? byte : byte | 0x80);
    if (last) return Buffer.from(out);
  }
}

function section(id, body) {
  return Buffer.concat([Buffer.from([id]), leb(body.length), body]);
}

/** The module's sections: [{ id, start, body, end }]. */
function sections(bytes) {
  const list = [];
  let at = 8;
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++];
    let size;
    [size, at] = readLeb(bytes, at);
    list.push({ id, start, body: at, end: at + size });
    at += size;
  }
  return list;
}

/** Active segments at constant offsets, in file order, or null if any segment is not one. */
function activeSegments(bytes, data) {
  let [count, at] = readLeb(bytes, data.body);
  const segments = [];
  for (let n = 0; n < count; n++) {
    const flags = bytes[at++];
    if (flags !== 0 || bytes[at] !== 0x41) return null; // passive, or not `i32.const`
    let offset;
    let size;
    [offset, at] = readLeb(bytes, at + 1, true);
    if (bytes[at++] !== 0x0b) return null;
    [size, at] = readLeb(bytes, at);
    segments.push({ offset, bytes: bytes.subarray(at, at + size) });
    at += size;
  }
  return segments;
}

/** How many data segments the module has. */
function dataSegmentCount(bytes) {
  const data = sections(bytes).find((s) => s.id === 11);
  return data ? readLeb(bytes, data.body)[0] : 0;
}

/** The module with its nearby data segments merged, or null to leave it as it is. */
function packDataSegments(bytes, maxGap = MAX_GAP) {
  const all = sections(bytes);
  if (!all.some((s) => s.id === 5)) return null; // imports its memory: a chunk
  const data = all.find((s) => s.id === 11);
  const segments = data && activeSegments(bytes, data);
  if (!segments) return null;
  segments.sort((a, b) => a.offset - b.offset);

  const merged = [];
  for (const s of segments) {
    const last = merged[merged.length - 1];
    const lastEnd = last ? last.offset + last.length : 0;
    if (last && s.offset < lastEnd) return null; // overlapping: their order would matter
    if (last && s.offset - lastEnd <= maxGap) {
      last.parts.push(Buffer.alloc(s.offset - lastEnd), s.bytes);
      last.length = s.offset + s.bytes.length - last.offset;
    } else {
      merged.push({ offset: s.offset, length: s.bytes.length, parts: [s.bytes] });
    }
  }
  if (merged.length === segments.length) return null;

  const body = [leb(merged.length)];
  for (const m of merged) body.push(Buffer.from([0x00, 0x41]), leb(m.offset, true), Buffer.from([0x0b]), leb(m.length), ...m.parts);
  const out = [bytes.subarray(0, 8)];
  for (const s of all) {
    if (s.id === 11) out.push(section(11, Buffer.concat(body)));
    else if (s.id === 12) out.push(section(12, leb(merged.length))); // the data count
    else out.push(bytes.subarray(s.start, s.end));
  }
  const packed = Buffer.concat(out);
  return WebAssembly.validate(packed) ? packed : null;
}

module.exports = { packDataSegments, dataSegmentCount };

// Real PNG files made in memory, so neither the browser tests nor the benchmark need
// fixture files. CommonJS so that both the Playwright tests (TypeScript) and the benchmark
// (an ES module) can load it.
const zlib = require('node:zlib');

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(zlib.crc32(body) >>> 0, body.length + 4);
  return out;
}

/**
 * An 8-bit RGB PNG of `pixels` (width * height * 3 bytes, row by row), deflated at `level`
 * (0 stores it uncompressed: a file as large as its pixels).
 */
function encodePng(width, height, pixels, level = 6) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const stride = width * 3;
  const scanlines = Buffer.alloc(height * (1 + stride)); // filter byte 0 before each row
  for (let y = 0; y < height; y++) pixels.copy(scanlines, y * (1 + stride) + 1, y * stride, (y + 1) * stride);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(scanlines, { level })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG of one colour. */
function solidPng(width, height, rgb) {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i += 3) pixels.set(rgb, i);
  return encodePng(width, height, pixels);
}

exports.encodePng = encodePng;
exports.solidPng = solidPng;

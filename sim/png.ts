// A minimal PNG encoder (8-bit grey or RGBA, no interlacing), compressed with the web-standard
// CompressionStream ("deflate" is the zlib format PNG's IDAT wants), so the simulator stays free
// of Node-only modules.

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** PNG colour types: 0 = greyscale, 6 = RGBA. */
const COLOR_TYPE_BY_CHANNELS: Readonly<Record<number, number>> = { 1: 0, 4: 6 };

/** Each scanline starts with its filter type; 0 = none. */
const FILTER_NONE = 0;

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = (CRC_TABLE[(crc ^ b) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function uint32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** length, type, data, CRC of type + data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const typeAndData = new Uint8Array(4 + data.length);
  typeAndData.set(new TextEncoder().encode(type), 0);
  typeAndData.set(data, 4);
  const out = new Uint8Array(12 + data.length);
  out.set(uint32(data.length), 0);
  out.set(typeAndData, 4);
  out.set(uint32(crc32(typeAndData)), 8 + data.length);
  return out;
}

async function zlibDeflate(data: Uint8Array): Promise<Uint8Array> {
  const compressed = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}

/**
 * Encodes `pixels` (row-major, `channels` bytes per pixel: 1 = grey, 4 = RGBA) as a PNG. `comment`
 * goes in a tEXt chunk under the keyword "Comment".
 */
export async function encodePng(
  width: number,
  height: number,
  channels: 1 | 4,
  pixels: Uint8Array,
  comment: string,
): Promise<Uint8Array> {
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (stride + 1)] = FILTER_NONE;
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const header = Uint8Array.from([
    ...uint32(width),
    ...uint32(height),
    8, // bits per channel
    COLOR_TYPE_BY_CHANNELS[channels] ?? 0,
    0, // compression: deflate
    0, // filtering: adaptive (per-line filter byte)
    0, // no interlace
  ]);
  // tEXt is Latin-1; anything else in the comment becomes "?".
  const text = Uint8Array.from(`Comment\0${comment}`, (c) =>
    c.charCodeAt(0) < 256 ? c.charCodeAt(0) : 0x3f,
  );
  const parts = [
    Uint8Array.from(PNG_SIGNATURE),
    chunk("IHDR", header),
    chunk("tEXt", text),
    chunk("IDAT", await zlibDeflate(raw)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

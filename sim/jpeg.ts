// A small baseline JPEG encoder for grayscale images: enough to hand out real, decodable JPEG files
// from the QR-code APIs. JFIF header, one quantisation table scaled from the standard luminance
// table, the standard Huffman tables of the JPEG spec (Annex K), 8x8 blocks, no subsampling.

/** Position k of the zigzag scan -> index of that coefficient in the natural (row-major) 8x8 order. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

/** The JPEG spec's example luminance quantisation table (Annex K.1), natural order. */
const LUMINANCE_QUANT = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/** Standard luminance DC Huffman table (Annex K.3): code counts per length 1..16, then symbols. */
const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/** Standard luminance AC Huffman table (Annex K.3). */
const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71,
  0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72,
  0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37,
  0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
  0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83,
  0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3,
  0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
  0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

/** AC symbols with a meaning of their own: end of block, and a run of 16 zeros. */
const END_OF_BLOCK = 0x00;
const ZERO_RUN_16 = 0xf0;

interface HuffmanCode {
  readonly code: number;
  readonly length: number;
}

/** Canonical Huffman codes (JPEG spec Annex C) for a table given as counts per length and symbols. */
function huffmanCodes(bits: readonly number[], values: readonly number[]): Map<number, HuffmanCode> {
  const codes = new Map<number, HuffmanCode>();
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < (bits[length - 1] ?? 0); i++) {
      codes.set(values[k++] ?? 0, { code: code++, length });
    }
    code <<= 1;
  }
  return codes;
}

const DC_CODES = huffmanCodes(DC_BITS, DC_VALUES);
const AC_CODES = huffmanCodes(AC_BITS, AC_VALUES);

/** The standard table scaled to a quality of 1..100, the way libjpeg does it. */
function quantTable(quality: number): number[] {
  const scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  return LUMINANCE_QUANT.map((q) => Math.min(255, Math.max(1, Math.floor((q * scale + 50) / 100))));
}

/** cos((2x+1)uπ/16) · C(u)/2, the DCT basis, indexed [u * 8 + x]. */
const DCT_BASIS = Float64Array.from({ length: 64 }, (_, i) => {
  const u = Math.floor(i / 8);
  const x = i % 8;
  const c = u === 0 ? Math.SQRT1_2 : 1;
  return (c / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/** 2-D forward DCT of one level-shifted 8x8 block (rows, then columns), in place into `out`. */
function forwardDct(block: Float64Array, out: Float64Array, scratch: Float64Array): void {
  for (let y = 0; y < 8; y++) {
    for (let u = 0; u < 8; u++) {
      let sum = 0;
      for (let x = 0; x < 8; x++) sum += (DCT_BASIS[u * 8 + x] ?? 0) * (block[y * 8 + x] ?? 0);
      scratch[y * 8 + u] = sum;
    }
  }
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      let sum = 0;
      for (let y = 0; y < 8; y++) sum += (DCT_BASIS[v * 8 + y] ?? 0) * (scratch[y * 8 + u] ?? 0);
      out[v * 8 + u] = sum;
    }
  }
}

/** Entropy-coded data: bits packed MSB first, each 0xFF byte followed by a stuffed 0x00. */
class BitWriter {
  private bytes: number[] = [];
  private buffer = 0;
  private count = 0;

  write(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.buffer = (this.buffer << 1) | ((code >> i) & 1);
      this.count += 1;
      if (this.count === 8) this.flushByte();
    }
  }

  writeHuffman(code: HuffmanCode | undefined): void {
    if (!code) throw new Error("symbol missing from the Huffman table");
    this.write(code.code, code.length);
  }

  /** Pads the last byte with 1 bits, as the spec asks. */
  finish(): number[] {
    while (this.count !== 0) this.write(1, 1);
    return this.bytes;
  }

  private flushByte(): void {
    this.bytes.push(this.buffer);
    if (this.buffer === 0xff) this.bytes.push(0x00);
    this.buffer = 0;
    this.count = 0;
  }
}

/** Bits needed for |value| (the "category" of a DC difference or AC coefficient). */
function category(value: number): number {
  let magnitude = Math.abs(value);
  let bits = 0;
  while (magnitude > 0) {
    bits += 1;
    magnitude >>= 1;
  }
  return bits;
}

/** A coefficient's extra bits: the value itself, or for negatives its ones' complement. */
function writeValue(writer: BitWriter, value: number, bits: number): void {
  if (bits > 0) writer.write(value < 0 ? value + (1 << bits) - 1 : value, bits);
}

function encodeBlock(writer: BitWriter, coefficients: Int32Array, previousDc: number): number {
  const dc = coefficients[0] ?? 0;
  const diff = dc - previousDc;
  const dcBits = category(diff);
  writer.writeHuffman(DC_CODES.get(dcBits));
  writeValue(writer, diff, dcBits);
  let zeros = 0;
  for (let k = 1; k < 64; k++) {
    const value = coefficients[k] ?? 0;
    if (value === 0) {
      zeros += 1;
      continue;
    }
    while (zeros >= 16) {
      writer.writeHuffman(AC_CODES.get(ZERO_RUN_16));
      zeros -= 16;
    }
    const bits = category(value);
    writer.writeHuffman(AC_CODES.get((zeros << 4) | bits));
    writeValue(writer, value, bits);
    zeros = 0;
  }
  if (zeros > 0) writer.writeHuffman(AC_CODES.get(END_OF_BLOCK));
  return dc;
}

function segment(marker: number, payload: readonly number[]): number[] {
  const length = payload.length + 2;
  return [0xff, marker, length >> 8, length & 0xff, ...payload];
}

/** A COM segment holds at most 65,533 bytes; longer comments are cut. */
const MAX_COMMENT_BYTES = 65_533;

/**
 * Encodes `pixels` (width × height grey levels, row-major) as a baseline JPEG. `comment` goes in a
 * COM segment (WeChat's own images carry none; here it names what was asked for).
 */
export function encodeGrayscaleJpeg(
  width: number,
  height: number,
  pixels: Uint8Array,
  quality: number,
  comment: string,
): Uint8Array {
  const quant = quantTable(quality);
  const header = [
    0xff,
    0xd8, // SOI
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF 1.1, aspect 1:1
    ...segment(0xfe, [...new TextEncoder().encode(comment).subarray(0, MAX_COMMENT_BYTES)]),
    ...segment(0xdb, [0x00, ...ZIGZAG.map((i) => quant[i] ?? 1)]), // 8-bit table 0
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]), // one component
    ...segment(0xc4, [0x00, ...DC_BITS, ...DC_VALUES, 0x10, ...AC_BITS, ...AC_VALUES]), // DC 0, AC 0
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]), // scan: component 1, tables 0/0, full spectrum
  ];

  const writer = new BitWriter();
  const block = new Float64Array(64);
  const transformed = new Float64Array(64);
  const scratch = new Float64Array(64);
  const coefficients = new Int32Array(64);
  let previousDc = 0;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        // Blocks past the edge repeat the last row or column, which keeps the edge clean.
        const row = Math.min(by + y, height - 1) * width;
        for (let x = 0; x < 8; x++) block[y * 8 + x] = (pixels[row + Math.min(bx + x, width - 1)] ?? 0) - 128;
      }
      forwardDct(block, transformed, scratch);
      for (let k = 0; k < 64; k++) {
        const i = ZIGZAG[k] ?? 0;
        coefficients[k] = Math.round((transformed[i] ?? 0) / (quant[i] ?? 1));
      }
      previousDc = encodeBlock(writer, coefficients, previousDc);
    }
  }
  return Uint8Array.from([...header, ...writer.finish(), 0xff, 0xd9]); // ... EOI
}

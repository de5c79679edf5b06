// The pictures the QR-code APIs return: a QR-like grid of modules (three finder squares and a
// pattern drawn from a hash of the request), with a faint print-like grain so the files have a real
// code's size (tens of KB at 430 px). The same request always gives the same bytes; any change to it
// gives different ones, so a client that passes images through can be checked byte for byte.
// JPEG by default, PNG with a transparent background when is_hyaline is true.

import { encodeGrayscaleJpeg } from "./jpeg.ts";
import { encodePng } from "./png.ts";
import { chunkedBytesResponse } from "./responses.ts";

export interface CodeImageRequest {
  /** Pixels per side: the image is square. */
  width: number;
  /** true -> transparent PNG, false -> JPEG. */
  hyaline: boolean;
  /** Colour of the dark modules. */
  lineColor: { r: number; g: number; b: number };
  /** Everything that should change the picture (the API path and the request body). */
  seedText: string;
  /** Stored in the file (JPEG COM / PNG tEXt): what was asked for. */
  comment: string;
}

export interface CodeImage {
  bytes: Uint8Array;
  contentType: "image/jpeg" | "image/png";
}

/** A version-4 QR code is 33 modules a side; 2 more on each side are the light quiet zone. */
const CODE_MODULES = 33;
const QUIET_MODULES = 2;
const GRID_MODULES = CODE_MODULES + 2 * QUIET_MODULES;
/** Finder squares are 7 modules wide, in three corners. */
const FINDER_MODULES = 7;

/** Good enough for a picture, and small (IJG's default is 75). */
const JPEG_QUALITY = 85;

/** How far the grain moves a grey level from flat (JPEG)... */
const GRAIN_LEVELS = 12;
/** ...and in a PNG, one background pixel in this many gets a faint alpha of 1..3 (PNG compresses flat areas far better). */
const PNG_GRAIN_ONE_IN = 6;
const PNG_GRAIN_MAX_ALPHA = 3;

/** FNV-1a, 32 bits: turns the request into a seed. */
function fnv1a(text: string, basis: number): number {
  let hash = basis >>> 0;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** sfc32: a small, fast, seedable generator of uint32s. */
function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

function seededRandom(seedText: string): () => number {
  const random = sfc32(
    fnv1a(seedText, 0x811c9dc5),
    fnv1a(seedText, 0x01234567),
    fnv1a(seedText, 0x89abcdef),
    fnv1a(seedText, 0xdeadbeef),
  );
  for (let i = 0; i < 16; i++) random(); // let the seed mix in
  return random;
}

function inFinder(row: number, col: number): { ring: boolean } | null {
  const corners = [
    [0, 0],
    [0, CODE_MODULES - FINDER_MODULES],
    [CODE_MODULES - FINDER_MODULES, 0],
  ];
  for (const [top = 0, left = 0] of corners) {
    const r = row - top;
    const c = col - left;
    if (r >= 0 && r < FINDER_MODULES && c >= 0 && c < FINDER_MODULES) {
      const edge = Math.min(r, c, FINDER_MODULES - 1 - r, FINDER_MODULES - 1 - c);
      return { ring: edge !== 1 }; // dark outer ring and 3x3 centre, light ring between
    }
  }
  return null;
}

/** Which of the GRID_MODULES² modules are dark. */
function moduleGrid(random: () => number): Uint8Array {
  const dark = new Uint8Array(GRID_MODULES * GRID_MODULES);
  for (let row = 0; row < CODE_MODULES; row++) {
    for (let col = 0; col < CODE_MODULES; col++) {
      const finder = inFinder(row, col);
      const isDark = finder ? finder.ring : random() % 2 === 0;
      dark[(row + QUIET_MODULES) * GRID_MODULES + col + QUIET_MODULES] = isDark ? 1 : 0;
    }
  }
  return dark;
}

/** For each pixel of the square image: whether it lies on a dark module. */
function darkPixels(width: number, grid: Uint8Array): Uint8Array {
  const moduleOf = Uint16Array.from({ length: width }, (_, x) => Math.floor((x * GRID_MODULES) / width));
  const dark = new Uint8Array(width * width);
  for (let y = 0; y < width; y++) {
    const gridRow = (moduleOf[y] ?? 0) * GRID_MODULES;
    for (let x = 0; x < width; x++) dark[y * width + x] = grid[gridRow + (moduleOf[x] ?? 0)] ?? 0;
  }
  return dark;
}

export async function renderCodeImage(request: CodeImageRequest): Promise<CodeImage> {
  const { width, lineColor } = request;
  const random = seededRandom(request.seedText);
  const dark = darkPixels(width, moduleGrid(random));
  const grain = () => random() % GRAIN_LEVELS;

  if (request.hyaline) {
    // Transparent background with a barely visible grain; dark modules in the line colour.
    const rgba = new Uint8Array(width * width * 4);
    for (let i = 0; i < dark.length; i++) {
      const isDark = dark[i] === 1;
      rgba[i * 4] = isDark ? lineColor.r : 255;
      rgba[i * 4 + 1] = isDark ? lineColor.g : 255;
      rgba[i * 4 + 2] = isDark ? lineColor.b : 255;
      const speck = random() % PNG_GRAIN_ONE_IN === 0 ? 1 + (random() % PNG_GRAIN_MAX_ALPHA) : 0;
      rgba[i * 4 + 3] = isDark ? 255 : speck;
    }
    const bytes = await encodePng(width, width, 4, rgba, request.comment);
    return { bytes, contentType: "image/png" };
  }

  // Greyscale JPEG: the line colour's luminance on white, both with grain.
  const ink = Math.round(0.299 * lineColor.r + 0.587 * lineColor.g + 0.114 * lineColor.b);
  const grey = new Uint8Array(width * width);
  for (let i = 0; i < dark.length; i++) {
    grey[i] = dark[i] === 1 ? Math.min(255, ink + grain()) : 255 - grain();
  }
  const bytes = encodeGrayscaleJpeg(width, width, grey, JPEG_QUALITY, request.comment);
  return { bytes, contentType: "image/jpeg" };
}

/** HTTP 200 with the image as a stream of several chunks, its Content-Type and its Content-Length. */
export function imageResponse(image: CodeImage): Response {
  return chunkedBytesResponse(image.bytes, { "Content-Type": image.contentType });
}

// Reading just enough of an image file to check what it is and how big it says it is.

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

export function isPng(bytes: Uint8Array): boolean {
  return [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b);
}

function uint32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset);
}

function uint16(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint16(offset);
}

/** Width, height and colour type from the IHDR chunk, which must come first. */
export function pngHeader(bytes: Uint8Array): { width: number; height: number; colorType: number } {
  const type = new TextDecoder().decode(bytes.subarray(12, 16));
  if (type !== "IHDR") throw new Error(`first PNG chunk is ${type}, not IHDR`);
  return { width: uint32(bytes, 16), height: uint32(bytes, 20), colorType: bytes[25] ?? -1 };
}

/** The PNG's chunk types in order, checking that every length stays inside the file. */
export function pngChunkTypes(bytes: Uint8Array): string[] {
  const types: string[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const length = uint32(bytes, offset);
    types.push(new TextDecoder().decode(bytes.subarray(offset + 4, offset + 8)));
    offset += 12 + length;
  }
  if (offset !== bytes.length) throw new Error("PNG chunks overrun the file");
  return types;
}

/** Walks the JPEG's marker segments up to the frame header (SOF0..SOF2) and reads its size. */
export function jpegSize(bytes: Uint8Array): { width: number; height: number; components: number } {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) throw new Error(`no JPEG marker at ${offset}`);
    const marker = bytes[offset + 1] ?? 0;
    const length = uint16(bytes, offset + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      return {
        height: uint16(bytes, offset + 5),
        width: uint16(bytes, offset + 7),
        components: bytes[offset + 9] ?? 0,
      };
    }
    offset += 2 + length;
  }
  throw new Error("no JPEG frame header");
}

/** A JPEG ends with the EOI marker. */
export function endsWithEoi(bytes: Uint8Array): boolean {
  return bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9;
}

/** The PNG's pixel data: its IDAT chunks joined and inflated (one filter byte + the pixels per row). */
export async function inflatePngData(bytes: Uint8Array): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const length = uint32(bytes, offset);
    const type = new TextDecoder().decode(bytes.subarray(offset + 4, offset + 8));
    if (type === "IDAT") parts.push(bytes.slice(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const inflated = new Blob(parts).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

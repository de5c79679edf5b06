// The temporary media an app uploaded (/cgi-bin/media/upload), kept as received so /cgi-bin/media/get
// can hand the same bytes back and tests can compare digests.

import { MEDIA_KEPT_PER_APP, MEDIA_LIFETIME_SECONDS, type MEDIA_MAX_BYTES } from "./limits.ts";

export type MediaType = keyof typeof MEDIA_MAX_BYTES;

export interface StoredMedia {
  readonly mediaId: string;
  readonly type: MediaType;
  /** The file exactly as uploaded. */
  readonly bytes: Uint8Array;
  /** The Content-Type of the upload's `media` part; served back by media/get. */
  readonly contentType: string;
  readonly filename: string;
  /** Lowercase hex SHA-256 of `bytes`, computed once at upload. */
  readonly sha256: string;
  /** App-clock milliseconds. */
  readonly createdAt: number;
}

/** What GET /__sim/apps/{appid} shows of each stored file (everything but the bytes). */
export interface MediaView {
  media_id: string;
  type: MediaType;
  contentType: string;
  filename: string;
  size: number;
  sha256: string;
}

/** The newest MEDIA_KEPT_PER_APP uploads of one app, oldest first; each usable for 3 days. */
export class MediaLibrary {
  private entries: StoredMedia[] = [];

  add(media: StoredMedia): void {
    this.entries.push(media);
    if (this.entries.length > MEDIA_KEPT_PER_APP) this.entries = this.entries.slice(-MEDIA_KEPT_PER_APP);
  }

  /** The media with this id, unless it was never uploaded, has been pushed out, or is past its 3 days. */
  find(mediaId: string, now: number): StoredMedia | undefined {
    return this.live(now).find((m) => m.mediaId === mediaId);
  }

  /** The media media/get would still serve, oldest first. */
  describe(now: number): MediaView[] {
    return this.live(now).map((m) => ({
      media_id: m.mediaId,
      type: m.type,
      contentType: m.contentType,
      filename: m.filename,
      size: m.bytes.length,
      sha256: m.sha256,
    }));
  }

  private live(now: number): StoredMedia[] {
    return this.entries.filter((m) => now < m.createdAt + MEDIA_LIFETIME_SECONDS * 1000);
  }
}

/** Lowercase hex SHA-256, the digest tests compare instead of whole byte arrays. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

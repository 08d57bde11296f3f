// Content-addressable names. A blob is named by the sha256 of its bytes, written
// "sha256:" + 64 lowercase hex digits (the OCI descriptor's `digest`). The same bytes
// always get the same name, so a store keeps each blob once however many images use
// it, and anyone who fetches a blob can check it is the one that was asked for.
import { createHash } from 'node:crypto';
import { images as text } from '../text/index.ts';

export type Digest = `sha256:${string}`;

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function sha256(data: Uint8Array | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function isDigest(s: unknown): s is Digest {
  return typeof s === 'string' && DIGEST.test(s);
}

/** The hex part: the blob's file name in blobs/sha256/. */
export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

export class DigestMismatch extends Error {
  constructor(readonly what: string, readonly expected: Digest, readonly actual: Digest) {
    super(text.digestMismatch(what, expected, actual));
    this.name = 'DigestMismatch';
  }
}

/** Throw unless `data` is what `expected` names. */
export function verify(what: string, data: Uint8Array, expected: Digest): void {
  const actual = sha256(data);
  if (actual !== expected) throw new DigestMismatch(what, expected, actual);
}

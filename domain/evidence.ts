// Dispute evidence: which files a dispute takes, how many and how large, and what a file is,
// told by its bytes (magic numbers) alone — never by its name or the header it came with.

export const EVIDENCE_MAX_FILE_BYTES = 5 * 1024 * 1024;
export const EVIDENCE_MAX_FILES = 20;
export const DISPUTE_MESSAGE_MAX_CHARS = 5000;
/** A request that carries a dispute's files: every file at its largest, and the rest of the form. */
export const EVIDENCE_MAX_BODY_BYTES =
  EVIDENCE_MAX_FILES * (EVIDENCE_MAX_FILE_BYTES + 4096) + 65_536;

export const EVIDENCE_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'application/pdf',
] as const;
export type EvidenceContentType = (typeof EVIDENCE_CONTENT_TYPES)[number];

/** What an event records of a file: everything but its bytes. */
export interface EvidenceFileRef {
  id: string;
  name: string;
  contentType: EvidenceContentType;
  size: number;
  sha256: string;
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/**
 * The file's type from its first bytes, or undefined for anything that is not a JPEG, PNG,
 * WebP or PDF (HTML, an executable, a ZIP…), whatever it is called.
 */
export function sniffContentType(bytes: Uint8Array): EvidenceContentType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(bytes, ascii('%PDF-'))) return 'application/pdf';
  return undefined;
}

/** A short name for what the bytes look like, for the refusal's message. */
export function describeBytes(bytes: Uint8Array): string {
  if (startsWith(bytes, ascii('MZ'))) return 'a Windows executable';
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return 'an ELF executable';
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive';
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return 'a GIF image';
  const head = new TextDecoder('utf-8', { fatal: false })
    .decode(bytes.subarray(0, 512))
    .trimStart()
    .toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || head.includes('<script')) {
    return 'HTML';
  }
  if (head.startsWith('<?xml') || head.startsWith('<svg')) return 'XML or SVG';
  return 'an unknown format';
}

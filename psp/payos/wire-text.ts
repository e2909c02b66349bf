/**
 * Text that payOS signs (§4C percent-encodes it) must read the same to every SDK's encoder: the
 * JS, Python, Go and Java SDKs disagree on `/ ! ~ * ' ( )`, and JSON inside the signature on
 * `< > &`. Letters, digits, `-`, `_` and `:` are encoded alike by all of them.
 */
const plain = /^[A-Za-z0-9_:-]$/;
const forbidden = /[/!~*'()<>&]/g;

/**
 * The payout's `referenceId`: the idempotency key itself when it is plain (ours are, e.g.
 * `escrow:esc_…:payout:1`), other characters as `.` + two hex digits per UTF-8 byte. Reversible,
 * so a payout listed by payOS names the key it was sent with.
 */
export function referenceIdOf(idempotencyKey: string): string {
  let referenceId = '';
  for (const character of idempotencyKey) {
    if (plain.test(character)) {
      referenceId += character;
      continue;
    }
    for (const byte of Buffer.from(character, 'utf8')) {
      referenceId += `.${byte.toString(16).padStart(2, '0')}`;
    }
  }
  return referenceId;
}

/** The idempotency key a referenceId stands for; one payOS holds that we did not make is kept as is. */
export function idempotencyKeyOf(referenceId: string): string {
  if (!/^(?:[A-Za-z0-9_:-]|\.[0-9a-f]{2})*$/.test(referenceId)) return referenceId;
  const bytes: number[] = [];
  for (const token of referenceId.matchAll(/\.([0-9a-f]{2})|(.)/gs)) {
    if (token[1] !== undefined) bytes.push(Number.parseInt(token[1], 16));
    else bytes.push(...Buffer.from(token[2] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A payout description without the characters the SDKs encode differently. */
export const payoutDescription = (description: string): string =>
  description.replace(forbidden, ' ').replace(/\s+/g, ' ').trim();

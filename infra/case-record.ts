// A case record: one escrow's terms, events with their chain, evidence hashes and ledger
// entries, with the chain head and the bundle's digest signed by the service (Ed25519). Built by
// store/case-record.ts for GET /v1/escrows/{id}/case-record; checked offline by
// `npm run case:verify` with `verifyCaseRecord` below. Self-contained: nothing else is needed
// to check it but the service's public key (in the bundle, or from a JWKS file).

import { canonicalJson } from './canonical-json.js';
import { type ChainedEvent, findChainBreaks, GENESIS_HASH, sha256Hex } from './case-chain.js';
import { type CaseSigningKey, type SigningJwk, signText, verifyText } from './case-signing.js';

export const CASE_RECORD_FORMAT = 'escrow-case-record/1';

export interface CaseEvidenceFile {
  id: string;
  messageId: string;
  seq: number;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface CaseRecord {
  format: typeof CASE_RECORD_FORMAT;
  escrowId: string;
  exportedAt: string;
  terms: unknown;
  events: ChainedEvent[];
  evidence: CaseEvidenceFile[];
  ledger: unknown[];
  chain: {
    hash: 'sha256(canonical-json({escrowId, seq, type, status, data, occurredAt, prevHash}))';
    genesis: string;
    length: number;
    head: { seq: number; hash: string } | null;
  };
  /** SHA-256 of the canonical JSON of every member above (the record without digest and signature). */
  digest: string;
  signature: {
    alg: 'EdDSA';
    kid: string;
    /** What was signed: the canonical JSON of `{ escrowId, head, digest }`. */
    signed: string;
    value: string;
    jwk: SigningJwk;
  };
}

type Unsigned = Omit<CaseRecord, 'digest' | 'signature'>;

const digestOf = (record: Unsigned | CaseRecord): string => {
  const { digest: _d, signature: _s, ...rest } = record as CaseRecord;
  return sha256Hex(canonicalJson(rest));
};

const signedText = (escrowId: string, head: CaseRecord['chain']['head'], digest: string) =>
  canonicalJson({ escrowId, head, digest });

/** Seals a record: its digest, and the signature of the chain head and the digest. */
export function signCaseRecord(record: Unsigned, key: CaseSigningKey): CaseRecord {
  const digest = digestOf(record);
  const signed = signedText(record.escrowId, record.chain.head, digest);
  return {
    ...record,
    digest,
    signature: {
      alg: 'EdDSA',
      kid: key.kid,
      signed,
      value: signText(key, signed),
      jwk: key.publicJwk,
    },
  };
}

/** The chain summary of a list of events. */
export const chainSummary = (events: readonly ChainedEvent[]): CaseRecord['chain'] => {
  const last = events.at(-1);
  return {
    hash: 'sha256(canonical-json({escrowId, seq, type, status, data, occurredAt, prevHash}))',
    genesis: GENESIS_HASH,
    length: events.length,
    head: last?.hash ? { seq: last.seq, hash: last.hash } : null,
  };
};

export interface CaseVerification {
  ok: boolean;
  /** Every problem found, the first broken link first. */
  problems: string[];
  /** The first event whose hash or link does not hold. */
  firstBrokenSeq?: number;
}

/**
 * Checks a record offline: every event's hash and link, the head, the evidence against the
 * events that name it, the digest, and the signature (against `keys` when given — a JWKS such
 * as /.well-known/escrow-signing-keys — else the key the record carries).
 */
export function verifyCaseRecord(record: CaseRecord, keys?: SigningJwk[]): CaseVerification {
  const problems: string[] = [];
  if (record.format !== CASE_RECORD_FORMAT) {
    problems.push(`format is ${JSON.stringify(record.format)}, expected ${CASE_RECORD_FORMAT}`);
  }
  const events = Array.isArray(record.events) ? record.events : [];
  const breaks = findChainBreaks(record.escrowId, events);
  for (const b of breaks) problems.push(b.detail);
  const firstBrokenSeq = breaks[0]?.seq;

  const expected = chainSummary(events);
  const head = record.chain?.head ?? null;
  if (canonicalJson(head) !== canonicalJson(expected.head)) {
    problems.push(
      `chain head is ${canonicalJson(head)}, but the last event gives ${canonicalJson(expected.head)}`,
    );
  }
  if (record.chain?.length !== events.length) {
    problems.push(
      `chain length is ${record.chain?.length}, but the record has ${events.length} events`,
    );
  }

  for (const file of record.evidence ?? []) {
    const event = events.find((e) => e.seq === file.seq);
    const named = (event?.data as { files?: Array<Record<string, unknown>> } | undefined)?.files;
    const match = named?.find((f) => f.id === file.id);
    if (event?.type !== 'dispute_message' || !match) {
      problems.push(`evidence file ${file.id}: no dispute_message event ${file.seq} names it`);
    } else if (match.sha256 !== file.sha256 || match.size !== file.size) {
      problems.push(
        `evidence file ${file.id}: sha256/size differ from event ${file.seq} (${String(match.sha256)}, ${String(match.size)})`,
      );
    }
  }

  const digest = digestOf(record);
  if (digest !== record.digest) {
    problems.push(`digest is ${record.digest}, but the record hashes to ${digest}`);
  }
  const signature = record.signature;
  const jwk = keys ? keys.find((k) => k.kid === signature?.kid) : signature?.jwk;
  if (!signature || !jwk) {
    problems.push(
      `no public key with kid ${JSON.stringify(signature?.kid)} ${keys ? 'in the keys file' : 'in the record'}`,
    );
  } else {
    const signed = signedText(record.escrowId, head, record.digest);
    if (signed !== signature.signed) {
      problems.push('the signed text is not the record’s escrow id, head and digest');
    }
    if (!verifyText(jwk, signed, signature.value)) {
      problems.push(`the signature does not verify with key ${jwk.kid ?? signature.kid}`);
    }
  }
  return {
    ok: problems.length === 0,
    problems,
    ...(firstBrokenSeq === undefined ? {} : { firstBrokenSeq }),
  };
}

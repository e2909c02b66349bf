// The tamper-evident chain over an escrow's events, written once: the store computes it when it
// writes an event, the API puts it in the case record, `npm run case:verify` checks an exported
// record offline and `npm run case:check` walks every chain in Postgres. Do not change what is
// hashed: every stored hash was computed this way.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** The prev_hash of an escrow's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** What one event's hash covers: the event as `escrow_events` keeps it, and the link before. */
export interface ChainedEventFields {
  escrowId: string;
  seq: number;
  type: string;
  status: string;
  data: unknown;
  /** ISO 8601 with milliseconds, as `Date#toISOString` writes it. */
  occurredAt: string;
  prevHash: string;
}

export const sha256Hex = (bytes: string | Uint8Array): string =>
  createHash('sha256').update(bytes).digest('hex');

/** SHA-256 (hex) over the canonical JSON of the event's fields and its predecessor's hash. */
export function eventHash(event: ChainedEventFields): string {
  return sha256Hex(
    canonicalJson({
      escrowId: event.escrowId,
      seq: event.seq,
      type: event.type,
      status: event.status,
      data: event.data,
      occurredAt: event.occurredAt,
      prevHash: event.prevHash,
    }),
  );
}

/** An event with its link, as the case record and `case:check` see it. */
export interface ChainedEvent {
  seq: number;
  type: string;
  status: string;
  data: unknown;
  occurredAt: string;
  prevHash: string | null;
  hash: string | null;
}

/** The first place a chain does not hold, naming the event and what differs. */
export interface ChainBreak {
  seq: number;
  field: 'hash' | 'prevHash' | 'unchained' | 'order';
  detail: string;
}

/**
 * Checks one escrow's events in seq order: each one's hash is recomputed from its fields, and
 * its prev_hash must be the hash of the event before it (the genesis value for the first).
 * Seq numbers may skip (an event Postgres refused for good is not in the log), but the links
 * still join each stored event to the one stored before it, so a deleted row breaks the chain.
 */
export function findChainBreaks(escrowId: string, events: readonly ChainedEvent[]): ChainBreak[] {
  const breaks: ChainBreak[] = [];
  let expectedPrev = GENESIS_HASH;
  let lastSeq = 0;
  for (const event of events) {
    if (event.seq <= lastSeq) {
      breaks.push({
        seq: event.seq,
        field: 'order',
        detail: `event ${event.seq} comes after event ${lastSeq}: events must be in seq order`,
      });
    }
    lastSeq = event.seq;
    if (event.hash === null || event.prevHash === null) {
      breaks.push({
        seq: event.seq,
        field: 'unchained',
        detail: `event ${event.seq} has no hash (written before the chain; run npm run case:backfill)`,
      });
      expectedPrev = GENESIS_HASH;
      continue;
    }
    if (event.prevHash !== expectedPrev) {
      breaks.push({
        seq: event.seq,
        field: 'prevHash',
        detail: `event ${event.seq}: prev_hash is ${event.prevHash}, but the event before it hashes to ${expectedPrev}`,
      });
    }
    const computed = eventHash({ escrowId, ...event, prevHash: event.prevHash });
    if (computed !== event.hash) {
      breaks.push({
        seq: event.seq,
        field: 'hash',
        detail: `event ${event.seq} (${event.type}): its fields hash to ${computed}, but the stored hash is ${event.hash} — the event was changed after it was written`,
      });
    }
    // The next link is checked against what was stored, so one edited event is reported once.
    expectedPrev = event.hash;
  }
  return breaks;
}

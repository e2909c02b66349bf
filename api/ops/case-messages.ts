import type { EvidenceFileRef } from '../../domain/evidence.js';
import type { Sql } from '../../infra/db.js';
import { listDisputeMessages } from '../../store/dispute-evidence.js';

// Dispute messages and evidence for the case view: read through the same store function as
// GET /v1/escrows/{id}/disputes/messages (store/dispute-evidence.ts), recorded messages only.

export interface CaseMessage {
  id: string;
  /** Who wrote it: buyer, seller, platform or ops. */
  author: string;
  /** The actor in the event log, e.g. `buyer-token`, `ops:alice`. */
  actorId: string;
  body: string;
  /** The files attached (no bytes): links go to /ops/escrows/{id}/files/{fileId}. */
  files: EvidenceFileRef[];
  /** The dispute_message event that put it in the chain. */
  seq: number;
  at: Date;
}

/** The dispute's messages, oldest first. */
export async function listCaseMessages(sql: Sql, escrowId: string): Promise<CaseMessage[]> {
  const messages = await listDisputeMessages(sql, escrowId);
  return messages.map((m) => ({
    id: m.id,
    author: m.authorRole,
    actorId: m.actorId,
    body: m.text,
    files: m.files,
    seq: m.seq,
    at: m.createdAt,
  }));
}

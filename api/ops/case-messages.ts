import type { Sql } from '../../infra/db.js';

// ─── Dispute messages and evidence: PLACEHOLDER ──────────────────────────────────────────────
// Another branch adds the dispute case record (messages and evidence from both sides, served at
// GET /v1/escrows/{id}/disputes/messages). Until it is merged this reads nothing; after the
// merge, make listCaseMessages read that branch's store function. The case view
// (pages/case.tsx, section "Messages and evidence") already lists whatever this returns.

export interface CaseMessage {
  /** Who wrote it: buyer, seller, platform or ops. */
  author: string;
  body: string;
  /** Names of the evidence files attached, if any. */
  evidence: string[];
  at: Date;
}

/** The dispute's messages, oldest first. Stub: no messages yet (see above). */
export async function listCaseMessages(_sql: Sql, _escrowId: string): Promise<CaseMessage[]> {
  return [];
}

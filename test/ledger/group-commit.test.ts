// Group commit: entries posted together share one transaction, yet each is settled as if it were
// posted alone.
import { describe, expect, it } from 'vitest';
import { createSql } from '../../infra/db.js';
import {
  accountBalance,
  checkLedger,
  createLedgerWriter,
  type EntryInput,
  InsufficientFundsError,
  InvalidEntryError,
  postEntries,
} from '../../ledger/index.js';
import { entryPayload } from '../../ledger/postings.js';
import { useTestDatabase } from '../support/db.js';
import { fund, holding, PLATFORM, payable } from './helpers.js';

const db = useTestDatabase({ max: 12 });

const releaseOf = (escrowId: string, amount: bigint, key = `release:${escrowId}`): EntryInput => ({
  platformId: PLATFORM,
  idempotencyKey: key,
  kind: 'release',
  postings: [
    { account: holding(escrowId), amount: -amount },
    { account: payable('sel_group'), amount },
  ],
});

/** The transaction that wrote each entry. */
async function writers(keys: string[]): Promise<Map<string, string>> {
  const rows = await db.sql<{ idempotency_key: string; xid: string }[]>`
    select idempotency_key, created_xid::text as xid from ledger_entries
     where platform_id = ${PLATFORM} and idempotency_key = any (${keys})`;
  return new Map(rows.map((r) => [r.idempotency_key, r.xid]));
}

describe('a group', () => {
  it('refuses an entry alone: the others commit, in the same transaction', async () => {
    for (const id of ['esc_g1', 'esc_g2', 'esc_g3']) await fund(db.sql, id, 100n);
    const results = await postEntries(db.sql, [
      releaseOf('esc_g1', 100n),
      releaseOf('esc_g2', 101n),
      releaseOf('esc_g3', 60n),
      { ...releaseOf('esc_g3', 0n), idempotencyKey: 'zero' },
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
    ]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientFundsError);
    expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(InvalidEntryError);
    const xids = await writers(['release:esc_g1', 'release:esc_g2', 'release:esc_g3']);
    expect(xids.has('release:esc_g2')).toBe(false);
    expect(xids.get('release:esc_g1')).toBe(xids.get('release:esc_g3'));
    expect((await accountBalance(db.sql, holding('esc_g2'))).balance).toBe(100n);
    expect((await accountBalance(db.sql, holding('esc_g3'))).balance).toBe(40n);
    expect((await accountBalance(db.sql, payable('sel_group'))).balance).toBe(160n);
  });

  // The fast path (migrations/0140): the whole group in one subtransaction, so its entries share
  // one xmin; entry by entry, each would have its own.
  it('posts a group of ordinary entries in one pass, and one refused entry sends it entry by entry', async () => {
    const xmins = async (keys: string[]) => {
      const [row] = await db.sql<{ n: number }[]>`
        select count(distinct xmin::text)::int as n from ledger_entries
         where platform_id = ${PLATFORM} and idempotency_key = any (${keys})`;
      return row?.n;
    };
    for (const id of ['esc_p1', 'esc_p2', 'esc_p3', 'esc_p4']) await fund(db.sql, id, 100n);
    const whole = await postEntries(db.sql, [
      releaseOf('esc_p1', 100n),
      releaseOf('esc_p2', 50n),
      releaseOf('esc_p2', 50n, 'release:esc_p2:rest'),
    ]);
    expect(whole.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(await xmins(['release:esc_p1', 'release:esc_p2', 'release:esc_p2:rest'])).toBe(1);

    const refused = await postEntries(db.sql, [
      releaseOf('esc_p3', 100n),
      releaseOf('esc_p4', 60n),
      releaseOf('esc_p4', 60n, 'release:esc_p4:again'),
    ]);
    expect(refused.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(await xmins(['release:esc_p3', 'release:esc_p4'])).toBe(2);
    expect((await checkLedger(db.sql)).violations).toEqual([]);
  });

  it('replays the same key twice in one group: the second sees the first', async () => {
    await fund(db.sql, 'esc_twice', 50n);
    const writer = createLedgerWriter(db.sql, { windowMs: 5, maxUnits: 8 });
    const payload = entryPayload(releaseOf('esc_twice', 30n), 'final');
    const [first, second] = await writer.post([payload, payload]);
    expect(first).toEqual({ ok: true, value: { entryId: expect.any(String), created: true } });
    expect(second).toEqual({
      ok: true,
      value: { entryId: first?.ok ? first.value.entryId : '', created: false },
    });
    expect((await accountBalance(db.sql, holding('esc_twice'))).balance).toBe(20n);
  });
});

describe('idempotency across groups', () => {
  it('gives 50 concurrent callers of one key, in many groups on two pools, one entry', async () => {
    await fund(db.sql, 'esc_fifty', 1_000n);
    const other = createSql(db.url, { max: 6 });
    try {
      // Groups of at most 4: the 50 calls cannot all share one.
      const [first, second] = [
        createLedgerWriter(db.sql, { windowMs: 1, maxUnits: 4 }),
        createLedgerWriter(other, { windowMs: 1, maxUnits: 4 }),
      ];
      const payload = entryPayload(releaseOf('esc_fifty', 700n), 'final');
      const results = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const filler = entryPayload(releaseOf('esc_fifty', 1n, `filler:${i}`), 'final');
          const [settled] = await (i % 2 ? second : first).post([payload, filler]);
          if (!settled?.ok) throw settled?.error;
          return settled.value;
        }),
      );
      expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    } finally {
      await other.end();
    }
    const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from ledger_entries where idempotency_key = 'release:esc_fifty'`;
    expect(row?.n).toBe(1);
    // 1000 − 700 leaves room for 300 fillers of 1: every filler committed too.
    expect((await accountBalance(db.sql, holding('esc_fifty'))).balance).toBe(250n);
    expect((await checkLedger(db.sql)).ok).toBe(true);
  });
});

import type { AccountKind } from './accounts.js';

/**
 * Every error the ledger reports on purpose. `code` is stable: the workflow layer maps it to a
 * Temporal ApplicationFailure type, and none of these is worth retrying as is.
 */
export class LedgerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request is malformed (unbalanced, one leg, zero amount, bad reference…): a caller bug. */
export class InvalidEntryError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LEDGER_INVALID_ENTRY', message, options);
  }
}

export class InsufficientFundsError extends LedgerError {
  constructor(
    readonly accountId: string,
    readonly accountKind: AccountKind,
    readonly currency: string,
    /** Balance minus open reservations, before this entry. */
    readonly available: bigint,
    /** What this entry would take out of the account. */
    readonly requested: bigint,
  ) {
    super(
      'LEDGER_INSUFFICIENT_FUNDS',
      `insufficient funds in ${accountKind} account ${accountId}: ${requested} ${currency} requested, ${available} available`,
    );
  }
}

export class IdempotencyConflictError extends LedgerError {
  constructor(
    readonly idempotencyKey: string,
    readonly existingEntryId: string,
  ) {
    super(
      'LEDGER_IDEMPOTENCY_CONFLICT',
      `idempotency key ${idempotencyKey} was already used for a different request (entry ${existingEntryId})`,
    );
  }
}

export class UnknownCurrencyError extends LedgerError {
  constructor(readonly currency: string) {
    super('LEDGER_UNKNOWN_CURRENCY', `unknown currency ${currency}`);
  }
}

export class CurrencyMismatchError extends LedgerError {
  constructor(message: string) {
    super('LEDGER_CURRENCY_MISMATCH', message);
  }
}

/** An account of another platform was referenced: never let one tenant move another's money. */
export class PlatformMismatchError extends LedgerError {
  constructor(readonly accountId: string) {
    super('LEDGER_PLATFORM_MISMATCH', `account ${accountId} belongs to another platform`);
  }
}

export class PendingEntryNotFoundError extends LedgerError {
  constructor(readonly pendingEntryId: string) {
    super('LEDGER_PENDING_NOT_FOUND', `no pending entry ${pendingEntryId}`);
  }
}

export class PendingAlreadyResolvedError extends LedgerError {
  constructor(
    readonly pendingEntryId: string,
    readonly resolution: 'post' | 'void',
    readonly resolvedEntryId: string,
  ) {
    super(
      'LEDGER_PENDING_ALREADY_RESOLVED',
      `pending entry ${pendingEntryId} was already resolved (${resolution}, entry ${resolvedEntryId})`,
    );
  }
}

export class PendingAmountExceededError extends LedgerError {
  constructor(
    readonly pendingEntryId: string,
    readonly reserved: bigint,
    readonly requested: bigint,
  ) {
    super(
      'LEDGER_PENDING_AMOUNT_EXCEEDED',
      `cannot post ${requested} of pending entry ${pendingEntryId}: ${reserved} reserved`,
    );
  }
}

/** A database rule of the ledger rejected a write: a bug or a hand-made change, never routine. */
export class LedgerIntegrityError extends LedgerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LEDGER_INTEGRITY', message, options);
  }
}

interface PgError {
  code?: string;
  detail?: string;
  message?: string;
  constraint_name?: string;
}

function pgError(error: unknown): PgError | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? (error as PgError)
    : undefined;
}

/** Serialization failures and deadlocks: the whole transaction may simply run again. */
export function isRetryable(error: unknown): boolean {
  const code = pgError(error)?.code;
  return code === '40001' || code === '40P01';
}

function detailOf(error: PgError): Record<string, string> {
  try {
    return JSON.parse(error.detail ?? '{}') as Record<string, string>;
  } catch {
    return {};
  }
}

/** Turns the ledger's Postgres errors (SQLSTATE LDxxx, see the migrations) into typed errors. */
export function toLedgerError(error: unknown, context: { idempotencyKey?: string } = {}): unknown {
  const pg = pgError(error);
  if (!pg?.code) return error;
  const detail = detailOf(pg);
  const message = pg.message ?? 'ledger error';
  switch (pg.code) {
    case 'LD001':
      return new InsufficientFundsError(
        detail.accountId ?? '?',
        detail.kind as AccountKind,
        detail.currency ?? '?',
        BigInt(detail.available ?? '0'),
        BigInt(detail.requested ?? '0'),
      );
    case 'LD002':
      return new IdempotencyConflictError(context.idempotencyKey ?? '?', detail.entryId ?? '?');
    case 'LD003':
      return new UnknownCurrencyError(detail.currency ?? '?');
    case 'LD004':
      return new CurrencyMismatchError(message);
    case 'LD005':
      return new PendingEntryNotFoundError(detail.pendingEntryId ?? '?');
    case 'LD006':
      return new PendingAlreadyResolvedError(
        detail.pendingEntryId ?? '?',
        detail.resolution === 'void' ? 'void' : 'post',
        detail.resolvedEntryId ?? '?',
      );
    case 'LD007':
      return new PendingAmountExceededError(
        detail.pendingEntryId ?? '?',
        BigInt(detail.reserved ?? '0'),
        BigInt(detail.requested ?? '0'),
      );
    case 'LD008':
      return new PlatformMismatchError(detail.accountId ?? '?');
    case 'LD009':
      return new InvalidEntryError(message, { cause: error });
    case '23505':
      // Two first postings racing to open the same escrow in two currencies.
      if (pg.constraint_name === 'ledger_accounts_one_holding') {
        return new CurrencyMismatchError(`escrow already held in another currency: ${message}`);
      }
      break;
    default:
      break;
  }
  return pg.code.startsWith('LD1') || pg.constraint_name?.startsWith('ledger_')
    ? new LedgerIntegrityError(message, { cause: error })
    : error;
}

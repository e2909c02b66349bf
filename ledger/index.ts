export {
  ACCOUNT_KINDS,
  type AccountKind,
  type AccountRef,
  mayGoNegative,
} from './accounts.js';
export {
  type AccountBalance,
  accountBalance,
  accountHistory,
  type EscrowMoneySummary,
  escrowMoneySummary,
  type HistoryItem,
  type HistoryPage,
} from './balances.js';
export {
  CURRENCY_EXPONENTS,
  currencyExponent,
  formatMinorUnits,
  isKnownCurrency,
  listCurrencies,
} from './currencies.js';
export {
  CurrencyMismatchError,
  IdempotencyConflictError,
  InsufficientFundsError,
  InvalidEntryError,
  LedgerError,
  LedgerIntegrityError,
  PendingAlreadyResolvedError,
  PendingAmountExceededError,
  PendingEntryNotFoundError,
  PlatformMismatchError,
  UnknownCurrencyError,
} from './errors.js';
export {
  checkLedger,
  type LedgerCheckReport,
  type Violation,
} from './invariants.js';
export {
  createPendingEntry,
  postPendingEntry,
  type ResolvePendingInput,
  voidPendingEntry,
} from './pending.js';
export {
  ENTRY_KINDS,
  type EntryInput,
  type EntryKind,
  type EntryResult,
  type Posting,
  postEntries,
  postEntry,
  reverseEntry,
} from './postings.js';
export type { LedgerSql } from './sql.js';
export { createLedgerWriter, type LedgerWriter, ledgerWriter } from './writer.js';

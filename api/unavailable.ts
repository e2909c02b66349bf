import { isGrpcServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ProblemError } from './problem.js';

/** How long a client should wait before retrying a 503: long enough for a worker restart. */
export const RETRY_AFTER_SECONDS = 2;

// CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, UNAVAILABLE. Temporal
// answers an Update with FAILED_PRECONDITION while the workflow's task keeps failing (a worker
// killed mid-task): the same request succeeds once a worker runs the task again.
const TRANSIENT_GRPC_CODES = new Set([1, 4, 8, 9, 14]);

/** Temporal did not answer in time, is unreachable, or cannot take the request yet. */
export function isTemporalUnavailable(error: unknown): boolean {
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const cause = error instanceof Error ? error.cause : undefined;
  for (const candidate of [error, cause]) {
    if (isGrpcServiceError(candidate)) return TRANSIENT_GRPC_CODES.has(candidate.code);
  }
  return error instanceof Error && /deadline exceeded|unavailable/i.test(error.message);
}

// postgres.js connection errors (its own codes and the socket's), and SQLSTATEs that say the
// server cannot serve now: class 08 (connection), 57P01-57P03 (shutting down, starting up),
// 53300 (too many connections).
const DATABASE_DOWN_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/** Postgres is unreachable or cannot take connections right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return DATABASE_DOWN_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

const unavailable = (detail: string): ProblemError =>
  new ProblemError(
    503,
    'temporarily-unavailable',
    'Temporarily unavailable',
    `${detail} Retry with the same Idempotency-Key: the request will not be applied twice.`,
    {},
    { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  );

export const temporalUnavailable = (): ProblemError =>
  unavailable('The workflow engine cannot take this request right now.');

export const databaseUnavailable = (): ProblemError =>
  unavailable('The database is unreachable right now.');

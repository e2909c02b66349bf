import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { ProblemError } from './problem.js';
import {
  databaseUnavailable,
  isDatabaseUnavailable,
  isTemporalUnavailable,
  temporalUnavailable,
} from './unavailable.js';

export interface FieldError {
  field: string;
  message: string;
}

const LOCATION: Record<string, string> = {
  json: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
};

/** Zod issues as field errors: `body.amount`, `query.limit`, one entry per unknown field. */
export function fieldErrors(error: ZodError, target: string): FieldError[] {
  const where = LOCATION[target] ?? target;
  return error.issues.flatMap((issue) => {
    const path = [where, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: [...path, key].join('.'),
        message: 'unknown field: this API does not accept it',
      }));
    }
    return [{ field: path.join('.'), message: issue.message }];
  });
}

/** 422 naming each invalid field: a schema's refusal, or a check that needs more than a schema. */
export function validationFailed(errors: FieldError[]): ProblemError {
  return new ProblemError(
    422,
    'validation-failed',
    'Invalid request',
    `${errors.length} field${errors.length === 1 ? ' is' : 's are'} invalid: ${errors
      .map((e) => e.field)
      .join(', ')}`,
    { errors },
  );
}

export const malformedRequest = (detail = 'The request body is not valid JSON.'): ProblemError =>
  new ProblemError(400, 'malformed-request', 'Malformed request', detail);

export const payloadTooLarge = (maxBytes: number): ProblemError =>
  new ProblemError(
    413,
    'payload-too-large',
    'Payload too large',
    `The request body is larger than ${maxBytes} bytes.`,
  );

export const unsupportedMediaType = (): ProblemError =>
  new ProblemError(
    415,
    'unsupported-media-type',
    'Unsupported media type',
    'Send the request body as application/json.',
  );

/** `defaultHook` of every OpenAPIHono: a request that fails its schema gets a 422 problem. */
export function validationHook(
  result: { success: true; data: unknown } | { success: false; error: ZodError; target?: string },
  _c: Context,
): void {
  if (result.success) return;
  throw validationFailed(fieldErrors(result.error, result.target ?? 'json'));
}

/** Every error a request can end in, as a problem; `undefined` for a genuine bug (500). */
export function toProblem(error: unknown): ProblemError | undefined {
  if (error instanceof ProblemError) return error;
  if (error instanceof HTTPException) {
    switch (error.status) {
      // Hono's validator: a body declared as JSON that does not parse.
      case 400:
        return malformedRequest(error.message || undefined);
      // zod-openapi's media-type gate: a body that is not declared as JSON.
      case 415:
        return unsupportedMediaType();
      default:
        return new ProblemError(
          error.status as 400,
          'http-error',
          error.message || 'HTTP error',
          error.message || 'HTTP error',
        );
    }
  }
  if (isTemporalUnavailable(error)) return temporalUnavailable();
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  return undefined;
}

/** 429: over a rate limit; `Retry-After` says when the window resets. */
export const tooManyRequests = (limit: number, retryAfterSeconds: number): ProblemError =>
  new ProblemError(
    429,
    'rate-limited',
    'Too many requests',
    `More than ${limit} requests this minute; retry in ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
    { 'Retry-After': String(retryAfterSeconds) },
  );

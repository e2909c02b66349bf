import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** RFC 9457 problem details: every error the API returns has this body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: Array<{ field: string; message: string }>;
  [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://escrow.dev/problems/';

/** Thrown by handlers; the app's error handler turns it into a problem+json response. */
export class ProblemError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    /** Response headers that belong to this answer, e.g. `Retry-After` or `Allow`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export function problemResponse(c: Context, error: ProblemError): Response {
  const body: Problem = {
    type: `${PROBLEM_BASE}${error.slug}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    instance: c.req.path,
    requestId: c.get('requestId'),
    ...error.extensions,
  };
  return c.body(JSON.stringify(body), error.status, {
    ...error.headers,
    'content-type': 'application/problem+json',
  });
}

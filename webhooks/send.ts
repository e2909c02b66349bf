import { Agent, fetch as undiciFetch } from 'undici';
import type { AttemptResult } from './queue.js';
import { signedHeaders } from './signing.js';
import { guardedLookup, staticRefusal, type UrlPolicy } from './url-guard.js';

const EXCERPT_BYTES = 512;
const USER_AGENT = 'escrow-engine-webhooks/1';

export interface SendInput {
  url: string;
  /** Signing secrets: the endpoint's, then the previous one while a rotation overlaps. */
  secret: string | readonly string[];
  /** The message id (`webhook-id`): the same on every attempt, so receivers can deduplicate. */
  id: string;
  body: string;
  timeoutMs: number;
  /** Which addresses it may reach (url-guard.ts); default `standard`. */
  urlPolicy?: UrlPolicy;
  /**
   * Tests only: sent through this instead of the guarded connection (the URL's form, names and
   * IP literals are still checked).
   */
  fetch?: typeof fetch;
  /** Tests only: the resolver behind the connection's guarded lookup. */
  lookup?: Parameters<typeof guardedLookup>[1];
}

/** One connection pool per policy (and test resolver), each resolving through the guard. */
const agents = new Map<unknown, Agent>();
function guardedAgent(policy: UrlPolicy, lookup: SendInput['lookup']): Agent {
  const key = lookup ?? policy;
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ connect: { lookup: guardedLookup(policy, lookup) } });
    if (!lookup) agents.set(key, agent);
  }
  return agent;
}

/**
 * One signed POST. Never throws: a network error, timeout or redirect is an attempt that
 * failed, described in `error`. Redirects are not followed (a 3xx is a failure).
 */
export async function sendWebhook({
  url,
  secret,
  id,
  body,
  timeoutMs,
  urlPolicy = 'standard',
  fetch: fetchImpl,
  lookup,
}: SendInput): Promise<AttemptResult> {
  const startedAt = new Date();
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const refused = staticRefusal(url, urlPolicy);
  if (refused) return { startedAt, durationMs: 0, error: `refused to connect: ${refused}` };
  const signal = AbortSignal.timeout(timeoutMs);
  const init = {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...signedHeaders(secret, id, body, startedAt),
    },
    body,
    redirect: 'manual' as const,
    signal,
  };
  try {
    const response = fetchImpl
      ? await fetchImpl(url, init)
      : ((await undiciFetch(url, {
          ...init,
          dispatcher: guardedAgent(urlPolicy, lookup),
        })) as unknown as Response);
    const responseExcerpt = await readExcerpt(response);
    return {
      startedAt,
      durationMs: elapsed(),
      statusCode: response.status,
      ...(response.status >= 300 && response.status < 400
        ? { error: `redirect (HTTP ${response.status}) not followed` }
        : {}),
      ...(responseExcerpt ? { responseExcerpt } : {}),
    };
  } catch (error) {
    return { startedAt, durationMs: elapsed(), error: describe(error, timeoutMs) };
  }
}

/** The first bytes of the answer; the rest is discarded so the connection is freed. */
async function readExcerpt(response: Response): Promise<string | undefined> {
  if (!response.body) return undefined;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short does not change the status the endpoint answered.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
  return text.length > 0 ? text : undefined;
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') {
      return `timed out after ${timeoutMs} ms`;
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code)
      return `${error.message}: ${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
    if (cause?.message) return `${error.message}: ${cause.message}`;
    return error.message;
  }
  return String(error);
}

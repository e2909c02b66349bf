import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

// What every rail's payment page does with its request: a browser gets HTML, a script JSON;
// the buyer's decision comes from the page's form or from a script's JSON body.

export const wantsHtml = (c: Context) => (c.req.header('accept') ?? '').includes('text/html');

/** `outcome` of the decision, from a JSON body or the page's form. */
export async function readOutcome(c: Context): Promise<unknown> {
  if ((c.req.header('content-type') ?? '').includes('application/json')) {
    const body: unknown = await c.req.json().catch(() => undefined);
    return (body as { outcome?: unknown } | null | undefined)?.outcome;
  }
  return (await c.req.parseBody()).outcome;
}

/** A refused payment page: the rail's message page for a browser, `{error}` JSON otherwise. */
export function refusedPage(
  c: Context,
  renderMessage: (title: string, message: string) => string,
  status: ContentfulStatusCode,
  code: string,
  message: string,
): Response {
  return wantsHtml(c)
    ? c.html(renderMessage('Payment refused', message), status)
    : c.json({ error: { code, message } }, status);
}

import { Hono } from 'hono';
import { DOCS_HTML } from '../docs-page.js';
import type { HttpMetrics } from '../metrics.js';

const DOCS_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const RETURN_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Payment received</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1>Thank you</h1><p>Your payment is being confirmed. The money stays in escrow until you have your order; you can close this page.</p>
</body></html>`;

/** The reference page, the Prometheus scrape endpoint and the buyer's landing page after paying. */
export function metaRoutes(metrics: HttpMetrics): Hono {
  return new Hono()
    .get('/docs', (c) => c.html(DOCS_HTML, 200, { 'content-security-policy': DOCS_CSP }))
    .get('/metrics', (c) =>
      c.body(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
    )
    .get('/payment/return', (c) => c.html(RETURN_HTML));
}

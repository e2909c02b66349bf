import { Hono } from 'hono';
import { docsRoutes } from '../docs.js';
import type { HttpMetrics } from '../metrics.js';

const RETURN_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Payment received</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1>Thank you</h1><p>Your payment is being confirmed. The money stays in escrow until you have your order; you can close this page.</p>
</body></html>`;

/** The reference page, the Prometheus scrape endpoint and the buyer's landing page after paying. */
export function metaRoutes(metrics: HttpMetrics): Hono {
  return new Hono()
    .route('/', docsRoutes())
    .get('/metrics', async (c) =>
      c.body(await metrics.render(), 200, { 'content-type': metrics.contentType }),
    )
    .get('/payment/return', (c) =>
      c.html(RETURN_HTML, 200, {
        'content-security-policy':
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      }),
    );
}

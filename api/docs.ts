import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SwaggerUI } from '@hono/swagger-ui';
import { Hono } from 'hono';

/** Where the page's Swagger UI files are served from, by us: no CDN. */
export const DOCS_ASSETS = '/docs/assets';

/** The swagger-ui-dist files the page loads (the bundle and its stylesheet), nothing else. */
const ASSETS: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};
const distDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// The reference as @hono/swagger-ui renders it: the OpenAPI document's Markdown descriptions
// rendered, "Try it out" on by default against the document's server (this one, see
// api/openapi.ts), the token kept in the page only (no persistAuthorization), no online validator.
const body = SwaggerUI({
  url: '/openapi.json',
  baseUrl: DOCS_ASSETS,
  deepLinking: true,
  tryItOutEnabled: true,
  displayRequestDuration: true,
  validatorUrl: 'none',
});

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Escrow Engine API reference</title>
</head>
<body>
${body}
</body>
</html>`;

/** sha-256 of each inline script, for the CSP: the page's one bootstrap script and no other. */
const inlineScriptHashes = [...DOCS_HTML.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
  ([, code = '']) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`,
);

/**
 * Exactly what the page needs: its scripts and stylesheet from us (the inline bootstrap by
 * hash), inline styles (Swagger UI's bundle sets style attributes and elements), data: images
 * (its icons), fetches to this origin (the document and "Try it out"); no framing.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  `script-src 'self' ${inlineScriptHashes.join(' ')}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const cache = new Map<string, Promise<Buffer>>();
const asset = (name: string) => {
  let content = cache.get(name);
  if (!content) {
    content = readFile(join(distDir, name));
    cache.set(name, content);
  }
  return content;
};

/** GET /docs (the page) and GET /docs/assets/swagger-ui-dist/{file} (its two files). */
export function docsRoutes(): Hono {
  return new Hono()
    .get('/docs', (c) => c.html(DOCS_HTML, 200, { 'content-security-policy': DOCS_CSP }))
    .get(`${DOCS_ASSETS}/swagger-ui-dist/:file`, async (c) => {
      const type = ASSETS[c.req.param('file')];
      if (!type) return c.notFound();
      return c.body(new Uint8Array(await asset(c.req.param('file'))), 200, {
        'content-type': type,
        'cache-control': 'public, max-age=3600',
      });
    });
}

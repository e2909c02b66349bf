import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/** For JSON answers: nothing may load, nothing may frame it. Pages set their own (api/docs.ts). */
export const DEFAULT_CSP =
  "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Security headers on every response (hono/secure-headers): nosniff, X-Frame-Options DENY,
 * Referrer-Policy no-referrer, HSTS when `strictTransportSecurity` (production, behind TLS),
 * and the restrictive default CSP above. `overwrite: false`: a header the route already set
 * is kept, so a page with its own CSP (the docs, hosted pages, the ops console) keeps it.
 */
export function securityHeaders({
  strictTransportSecurity,
}: {
  strictTransportSecurity: boolean;
}): MiddlewareHandler {
  return secureHeaders({
    overwrite: false,
    strictTransportSecurity: strictTransportSecurity
      ? 'max-age=31536000; includeSubDomains'
      : false,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    xContentTypeOptions: 'nosniff',
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
  });
}

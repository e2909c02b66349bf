import type { MiddlewareHandler } from 'hono';

/**
 * Every console response: no caching, no referrer, no framing, no inline script or style
 * (the one stylesheet is served from /ops/assets), forms post to this origin only.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const securityHeaders: MiddlewareHandler = async (c, next) => {
  c.header('Content-Security-Policy', CONSOLE_CSP);
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cache-Control', 'no-store');
  c.header('X-Content-Type-Options', 'nosniff');
  await next();
};

/** The console's stylesheet: plain CSS, readable without it. */
export const CONSOLE_CSS = `
:root { color-scheme: light; font-family: system-ui, sans-serif; line-height: 1.4; }
body { margin: 0; color: #1a1a1a; background: #fafafa; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: .5rem 1rem;
  background: #1f3a5f; color: #fff; }
header a { color: #fff; }
header nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
header form { margin-left: auto; }
main { padding: 1rem; max-width: 80rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
section { margin-bottom: 1.5rem; }
dl { display: grid; grid-template-columns: max-content auto; gap: .25rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; }
.notice { padding: .5rem 1rem; background: #e6f4ea; border: 1px solid #6c9; }
.error { padding: .5rem 1rem; background: #fdecea; border: 1px solid #c66; }
fieldset { margin: .5rem 0; }
label { margin-right: 1rem; }
button { padding: .3rem .8rem; }
`;

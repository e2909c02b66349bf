import { describe, expect, it } from 'vitest';
import { useApiHarness } from '../api/harness.js';
import { eventually } from '../support/eventually.js';
import { dashboardMetrics } from './dashboard.js';

const api = useApiHarness();

/** Every src/href of the page: local paths only, never another host. */
const references = (html: string) =>
  [...html.matchAll(/\s(?:src|href)=["']([^"']+)["']/gi)].map(([, url = '']) => url);

describe('GET /docs: the Swagger UI reference, served from here', () => {
  it('references no other host, and every asset it references is served', async () => {
    const page = await api.h.call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('SwaggerUIBundle');
    expect(page.text).not.toMatch(/https?:\/\//);
    const urls = references(page.text);
    expect(urls).toEqual(
      expect.arrayContaining([
        '/docs/assets/swagger-ui-dist/swagger-ui-bundle.js',
        '/docs/assets/swagger-ui-dist/swagger-ui.css',
      ]),
    );
    for (const url of urls) {
      expect(url).toMatch(/^\/(?!\/)/);
      const asset = await fetch(`${api.h.stack.apiUrl}${url}`);
      expect(asset.status, url).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, url).toBeGreaterThan(1000);
    }
    expect((await api.h.call('GET', '/docs/assets/swagger-ui-dist/package.json')).status).toBe(404);
  });

  it('has a CSP that allows exactly what the page needs: its scripts by origin and hash', async () => {
    const page = await api.h.call('GET', '/docs');
    const csp = page.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    expect(Object.keys(directives).sort()).toEqual([
      'base-uri',
      'connect-src',
      'default-src',
      'form-action',
      'frame-ancestors',
      'img-src',
      'script-src',
      'style-src',
    ]);
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['img-src']).toEqual(["'self'", 'data:']);
    expect(directives['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    // The one inline bootstrap script, by its hash; never 'unsafe-inline' or 'unsafe-eval'.
    const inline = [...page.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(([, code]) => code);
    expect(inline).toHaveLength(1);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256')
      .update(inline[0] ?? '')
      .digest('base64');
    expect(directives['script-src']).toEqual(["'self'", `'sha256-${hash}'`]);
    // The route's own CSP is kept by the global security headers.
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('the OpenAPI document points "Try it out" at this server and carries Markdown', async () => {
    const spec = (await api.h.call('GET', '/openapi.json')).body;
    expect(spec.servers[0].url).toBe(api.h.stack.apiUrl);
    expect(spec.info.description).toContain('**Credentials**');
  });
});

describe('security headers', () => {
  it('every JSON answer gets nosniff, no framing, no referrer and a restrictive CSP', async () => {
    for (const reply of [
      await api.h.call('GET', '/healthz'),
      await api.h.call('GET', '/v1/escrows', { token: api.platform.apiKey }),
      await api.h.call('GET', '/v1/escrows'),
      await api.h.call('GET', '/no/such/route'),
    ]) {
      expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
      expect(reply.headers.get('x-frame-options')).toBe('DENY');
      expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
      expect(reply.headers.get('content-security-policy')).toBe(
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      // Development and tests: no HSTS (production only).
      expect(reply.headers.get('strict-transport-security')).toBeNull();
    }
  });
});

describe('GET /metrics', () => {
  it('has the default Node.js metrics and the business gauges, read from Postgres', async () => {
    const escrow = await api.h.createEscrow(api.platform.apiKey, { amount: 2_000_000 });
    await api.h.fund(escrow);
    await eventually(async () => {
      const text = (await api.h.call('GET', '/metrics')).text;
      expect(text).toMatch(/^process_cpu_seconds_total \d/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
      expect(text).toMatch(/^escrow_business_metrics_up 1$/m);
      expect(text).toMatch(/^escrow_escrows\{status="funded"\} [1-9]/m);
      expect(text).toMatch(/^escrow_money_held_minor\{currency="VND"\} [1-9]\d*$/m);
      for (const gauge of [
        'escrow_webhook_backlog',
        'escrow_webhook_oldest_undelivered_age_seconds',
        'escrow_reconciliation_mismatches_unhandled',
        'escrow_payouts_failed',
      ]) {
        expect(text).toMatch(new RegExp(`^# TYPE ${gauge} gauge$`, 'm'));
        expect(text).toMatch(new RegExp(`^${gauge} \\d`, 'm'));
      }
      // Every API metric the Grafana dashboard queries is served here.
      for (const name of dashboardMetrics().filter((n) => !n.startsWith('temporal_'))) {
        expect(text).toContain(`# TYPE ${name} `);
      }
    });
  });

  it('a failed read of the business gauges leaves the scrape answering, with up = 0', async () => {
    const { registerBusinessMetrics } = await import('../../api/business-metrics.js');
    const { Registry } = await import('prom-client');
    const { createLogger } = await import('../../infra/logger.js');
    const registry = new Registry();
    const broken = (() => Promise.reject(new Error('down'))) as never;
    registerBusinessMetrics(
      registry,
      { begin: broken } as never,
      createLogger({ level: 'silent', pretty: false }),
    );
    const text = await registry.metrics();
    expect(text).toMatch(/^escrow_business_metrics_up 0$/m);
  });
});

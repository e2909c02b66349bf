import { httpInstrumentationMiddleware } from '@hono/otel';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { EVIDENCE_MAX_BODY_BYTES } from '../domain/evidence.js';
import { configSchema } from '../infra/config.js';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { createSecretBox } from '../infra/secret-box.js';
import { createPlatformProviders } from '../psp/platform-providers.js';
import { type BuildProvider, providerBuilder } from '../psp/registry.js';
import type { PaymentProvider } from '../psp/types.js';
import { authenticate } from './auth.js';
import { registerBusinessMetrics } from './business-metrics.js';
import { createCurrencies } from './currencies.js';
import type { RouteDeps } from './deps.js';
import { payloadTooLarge, toProblem, validationHook } from './errors.js';
import { createIdempotency } from './idempotency.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { HttpMetrics } from './metrics.js';
import { mountOpenApi } from './openapi.js';
import { opsRoutes } from './ops/routes.js';
import { escrowPageRoutes } from './pages/routes.js';
import { ProblemError, problemResponse } from './problem.js';
import { createRateLimits } from './rate-limits.js';
import { caseRecordRoutes } from './routes/case-record.js';
import { checkoutRoutes } from './routes/checkouts.js';
import { codecRoutes } from './routes/codec.js';
import { disputeEvidenceRoutes } from './routes/dispute-evidence.js';
import { escrowActionRoutes } from './routes/escrow-actions.js';
import { escrowRoutes } from './routes/escrows.js';
import { healthRoutes } from './routes/health.js';
import { ledgerRoutes } from './routes/ledger.js';
import { metaRoutes } from './routes/meta.js';
import { partyTokenRoutes } from './routes/party-tokens.js';
import { platformKeyRoutes } from './routes/platform-keys.js';
import { platformRailRoutes } from './routes/platform-rails.js';
import { platformRoutes } from './routes/platforms.js';
import { pspCallbackRoutes } from './routes/psp-callback.js';
import { reconciliationRoutes } from './routes/reconciliation.js';
import { webhookDeliveryRoutes } from './routes/webhook-deliveries.js';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.js';
import { securityHeaders } from './security-headers.js';
import { type ApiSettings, defaultApiSettings } from './settings.js';

export interface AppDeps {
  sql: Sql;
  temporal: Client;
  logger: Logger;
  providers: PaymentProvider[];
  /** Adapters for platforms' own credentials; default: the development configuration's. */
  buildProvider?: BuildProvider;
  /** From configuration (`apiSettingsFrom(config)`); the development defaults fill the rest. */
  settings?: Partial<ApiSettings>;
  /** A span per request (@hono/otel), when the process started tracing (infra/tracing.ts). */
  tracing?: boolean;
}

/** Dispute messages carry files: their own body limit (each file is checked on its own). */
const isEvidenceUpload = (method: string, path: string) =>
  method === 'POST' && /^\/v1\/escrows\/[^/]+\/disputes\/messages\/?$/.test(path);

/** Unauthenticated under /v1: provider callbacks, verified by their own signature. */
const isPspCallback = (path: string) => path.startsWith('/v1/psp/');

/** Never rate limited: health checks and the metrics scrape. */
const isMonitoring = (path: string) =>
  path === '/healthz' || path === '/readyz' || path === '/metrics';

/** The HTTP API. Built from its dependencies so tests run the very same app. */
export function createApp(deps: AppDeps): OpenAPIHono {
  const settings: ApiSettings = { ...defaultApiSettings(), ...deps.settings };
  const secretBox = createSecretBox(settings.credentialsKey);
  const platformProviders = createPlatformProviders({
    sql: deps.sql,
    box: secretBox,
    deployment: deps.providers,
    build: deps.buildProvider ?? providerBuilder(configSchema.parse({})),
  });
  const routeDeps: RouteDeps = {
    ...deps,
    settings,
    idempotent: createIdempotency({ sql: deps.sql, settings, logger: deps.logger }),
    currencies: createCurrencies(deps.providers),
    secretBox,
    platformProviders,
  };
  const metrics = new HttpMetrics();
  registerBusinessMetrics(metrics.registry, deps.sql, deps.logger);
  const app = new OpenAPIHono({ defaultHook: validationHook });

  if (deps.tracing) app.use(httpInstrumentationMiddleware({ serviceName: 'escrow-api' }));
  // Defaults only: a route's own CSP (docs, hosted pages, ops console) is kept.
  app.use(securityHeaders({ strictTransportSecurity: settings.strictTransportSecurity }));
  app.use(requestId({ headerName: 'x-request-id' }));
  app.use(metrics.middleware());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  const limitBody = bodyLimit({
    maxSize: settings.maxBodyBytes,
    onError: () => {
      throw payloadTooLarge(settings.maxBodyBytes);
    },
  });
  const limitEvidence = bodyLimit({
    maxSize: EVIDENCE_MAX_BODY_BYTES,
    onError: () => {
      throw payloadTooLarge(EVIDENCE_MAX_BODY_BYTES);
    },
  });
  const authenticated = authenticate({ sql: deps.sql, settings });
  // Rate limits (api/rate-limits.ts): a principal's budget once authenticated; the client IP's
  // for a request without a valid credential (its 401 counts) and outside /v1; PSP callbacks
  // their own, generous, per IP budget; health and metrics none.
  const limits = createRateLimits(deps.sql, settings.rateLimits);
  app.use('*', async (c, next) => {
    if (isMonitoring(c.req.path) || c.req.path.startsWith('/v1/')) return next();
    return limits.ip(c, next);
  });
  const guard: MiddlewareHandler = async (c, next) => {
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    if (isPspCallback(c.req.path)) {
      return limits.callback(c, async () => {
        await limitBody(c, next);
      });
    }
    const limit = isEvidenceUpload(c.req.method, c.req.path) ? limitEvidence : limitBody;
    let identified = false;
    try {
      await authenticated(c, async () => {
        identified = true;
        await limits.principal(c, async () => {
          await limit(c, next);
        });
      });
    } catch (error) {
      if (identified) throw error;
      await limits.ip(c, async () => {
        throw error;
      });
    }
  };
  app.use('/v1/*', guard);

  app.route('/', healthRoutes(deps));
  app.route('/', metaRoutes(metrics));
  // Temporal codec server for the Web UI (ops key, CORS to TEMPORAL_UI_ORIGIN): api/routes/codec.ts.
  app.route('/', codecRoutes({ settings: { ...settings, uiWithoutKey: !settings.production } }));
  app.route('/', pspCallbackRoutes({ ...deps, platformProviders, taskQueue: settings.taskQueue }));
  app.route('/', platformRoutes(routeDeps));
  app.route('/', platformRailRoutes(routeDeps));
  app.route('/', platformKeyRoutes(routeDeps));
  app.route('/', escrowRoutes(routeDeps));
  app.route('/', escrowActionRoutes(routeDeps));
  app.route('/', checkoutRoutes(routeDeps));
  app.route('/', disputeEvidenceRoutes(routeDeps));
  app.route('/', caseRecordRoutes(routeDeps));
  app.route('/', partyTokenRoutes(routeDeps));
  app.route('/', ledgerRoutes(routeDeps));
  app.route('/', reconciliationRoutes(routeDeps));
  app.route('/v1/webhook-endpoints', webhookEndpointRoutes(routeDeps));
  app.route('/v1/webhook-deliveries', webhookDeliveryRoutes(routeDeps));
  app.route('/ops', opsRoutes(routeDeps));
  // The hosted escrow pages for buyers and sellers (HTML, cookie session): api/pages/.
  app.route('/', escrowPageRoutes(routeDeps));
  mountOpenApi(app);

  const wrongMethod = methodNotAllowed(app);
  app.notFound((c) =>
    problemResponse(
      c,
      wrongMethod(c.req.method, c.req.path) ??
        new ProblemError(
          404,
          'not-found',
          'Not found',
          `No route for ${c.req.method} ${c.req.path}`,
        ),
    ),
  );
  app.onError((error, c) => {
    const problem = toProblem(error);
    if (problem) return problemResponse(c, problem);
    deps.logger.error({ err: error, requestId: c.get('requestId') }, 'unhandled error');
    return problemResponse(
      c,
      new ProblemError(
        500,
        'internal',
        'Internal error',
        'Something went wrong on our side; nothing was changed that you cannot retry with the same Idempotency-Key.',
      ),
    );
  });
  return app;
}

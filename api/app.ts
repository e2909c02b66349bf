import type { Client } from '@temporalio/client';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { Sql } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { PaymentProvider } from '../psp/types.js';
import { ProblemError, problemResponse } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { pspCallbackRoutes } from './routes/psp-callback.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface AppDeps {
  sql: Sql;
  temporal: Client;
  logger: Logger;
  providers: PaymentProvider[];
}

/** The HTTP API. Built from its dependencies so tests run the very same app. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use(requestId({ headerName: 'x-request-id' }));
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

  app.route('/', healthRoutes(deps));
  app.route('/', pspCallbackRoutes(deps));
  app.route('/', webhookRoutes(deps));

  app.notFound((c) =>
    problemResponse(
      c,
      new ProblemError(404, 'not-found', 'Not found', `No route for ${c.req.method} ${c.req.path}`),
    ),
  );
  app.onError((error, c) => {
    if (error instanceof ProblemError) return problemResponse(c, error);
    if (error instanceof HTTPException) {
      return problemResponse(
        c,
        new ProblemError(
          error.status as 400,
          'http-error',
          error.message || 'HTTP error',
          error.message,
        ),
      );
    }
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

import { Hono } from 'hono';
import type { SandboxContext } from '../context.js';
import { zalopayApiRoutes } from './api-routes.js';
import { resumeZalopayCallbacks } from './callbacks.js';
import { zalopayPageRoutes } from './page-routes.js';

/**
 * Everything the sandbox speaks of ZaloPay v2: the order API and the gateway page. Mounting it
 * also resumes the callbacks a previous run left undelivered (the data file keeps them).
 */
export function zalopayRoutes(context: SandboxContext): Hono {
  resumeZalopayCallbacks(context);
  return new Hono().route('/', zalopayApiRoutes(context)).route('/', zalopayPageRoutes(context));
}

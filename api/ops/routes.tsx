import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { EVIDENCE_MAX_BODY_BYTES } from '../../domain/evidence.js';
import type { Action } from '../../domain/lifecycle.js';
import { ledgerTotals } from '../../ledger/totals.js';
import { getEvidenceFile } from '../../store/dispute-evidence.js';
import { getScopedEscrow, listEscrowEvents } from '../../store/escrow-queries.js';
import {
  attentionQueue,
  escrowStatusTotals,
  openDisputes,
  searchEscrows,
} from '../../store/ops-console.js';
import type { ActionArgs } from '../../workflows/messages.js';
import type { RouteDeps } from '../deps.js';
import { toProblem } from '../errors.js';
import { checkedFiles, fileParts, formMessageId, messageText } from '../pages/evidence.js';
import { evidenceFileResponse, recordDisputeMessage } from '../routes/dispute-evidence.js';
import { act, actorOf } from '../routes/escrow-actions.js';
import { ResolveDisputeBody } from '../schemas/actions.js';
import { listCaseMessages } from './case-messages.js';
import { type OpsEnv, requireCsrf } from './csrf.js';
import { CONSOLE_CSS, securityHeaders } from './headers.js';
import { CasePage } from './pages/case.js';
import { Layout } from './pages/layout.js';
import { LoginPage } from './pages/login.js';
import { MoneyPage } from './pages/money.js';
import { QueuePage } from './pages/queue.js';
import { SearchPage } from './pages/search.js';
import {
  endSession,
  expectedLoginToken,
  loginCsrfToken,
  sessionOf,
  startSession,
  tokensEqual,
} from './session.js';

const MAX_FORM_BYTES = 16 * 1024;
const TIMELINE_LIMIT = 500;

/** Notices after a redirect, by code: the page never echoes text from the query string. */
const NOTICES: Record<string, string> = {
  resolved: 'The dispute is resolved.',
  'message-added': 'The message is added to the case.',
  'payout-retried': 'The payout is being retried.',
  'refund-retried': 'The refund is being retried.',
  'logged-out': 'You are logged out.',
};

async function render(c: Context, node: JSX.Element, status = 200): Promise<Response> {
  const html = await node.toString();
  return c.html(`<!doctype html>${html}`, status as 200);
}

/**
 * The ops console at /ops: server-rendered pages (Hono JSX), plain forms, no script. A login
 * with an ops key starts a signed session cookie (session.ts); every other page needs it, and
 * every form carries the session's CSRF token (csrf.ts). Actions go through the same workflow
 * Updates as the API's (`act` in routes/escrow-actions.ts), as the operator `ops:<name>`.
 */
export function opsRoutes(deps: RouteDeps) {
  const { settings, sql } = deps;
  const app = new Hono<OpsEnv>();
  app.use('*', securityHeaders);
  const onTooLarge = (c: Context) => c.text('This form is too large.', 413);
  const limitForm = bodyLimit({ maxSize: MAX_FORM_BYTES, onError: onTooLarge });
  // A case message carries files: the evidence limit (each file is checked on its own).
  const limitEvidence = bodyLimit({ maxSize: EVIDENCE_MAX_BODY_BYTES, onError: onTooLarge });
  app.use('*', (c, next) =>
    (c.req.method === 'POST' && /^\/ops\/escrows\/[^/]+\/messages\/?$/.test(c.req.path)
      ? limitEvidence
      : limitForm)(c, next),
  );

  app.get('/assets/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css' }));

  app.get('/login', (c) => {
    if (sessionOf(c, settings)) return c.redirect('/ops', 303);
    return render(c, <LoginPage csrf={loginCsrfToken(c, settings)} />);
  });

  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const expected = expectedLoginToken(c, settings);
    if (expected === undefined || !tokensEqual(form._csrf, expected)) {
      return render(
        c,
        <LoginPage
          csrf={loginCsrfToken(c, settings)}
          error="This login form has expired or did not come from this console; try again."
        />,
        403,
      );
    }
    const key = typeof form.key === 'string' ? form.key : '';
    const session = startSession(c, settings, key);
    if (!session) {
      deps.logger.warn('ops console: login refused');
      return render(
        c,
        <LoginPage csrf={loginCsrfToken(c, settings)} error="That ops key is not valid." />,
        401,
      );
    }
    deps.logger.info({ operator: session.operator }, 'ops console: login');
    return c.redirect('/ops', 303);
  });

  // Everything below needs a session: a page without one goes to the login form.
  app.use('*', async (c, next) => {
    const session = sessionOf(c, settings);
    if (!session) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') return c.redirect('/ops/login', 303);
      return render(
        c,
        <Layout title="Not logged in">
          <p>
            Your session has ended. <a href="/ops/login">Log in again</a>; nothing was done.
          </p>
        </Layout>,
        401,
      );
    }
    c.set('session', session);
    await next();
  });
  app.use(
    '*',
    requireCsrf(settings, (c) =>
      render(
        c,
        <Layout title="Refused" operator={c.get('session').operator} csrf={c.get('csrf')}>
          <p>
            This form did not carry this session's CSRF token, so nothing was done. Go back, reload
            the page and send it again.
          </p>
        </Layout>,
        403,
      ),
    ),
  );

  const page = (c: Context<OpsEnv>) => ({
    operator: c.get('session').operator,
    csrf: c.get('csrf'),
    notice: NOTICES[c.req.query('notice') ?? ''],
  });

  app.post('/logout', (c) => {
    endSession(c, settings);
    return c.redirect('/ops/login', 303);
  });

  app.get('/', async (c) => {
    const [attention, disputes] = await Promise.all([attentionQueue(sql), openDisputes(sql)]);
    return render(
      c,
      <QueuePage {...page(c)} attention={attention} disputes={disputes} now={Date.now()} />,
    );
  });

  app.get('/search', async (c) => {
    const query = (c.req.query('q') ?? '').trim().slice(0, 200);
    const results = query === '' ? undefined : await searchEscrows(sql, query);
    return render(c, <SearchPage {...page(c)} query={query} results={results} now={Date.now()} />);
  });

  app.get('/money', async (c) => {
    const [ledger, escrows] = await Promise.all([ledgerTotals(sql), escrowStatusTotals(sql)]);
    return render(c, <MoneyPage {...page(c)} ledger={ledger} escrows={escrows} />);
  });

  /** The case view, with a message or refusal from a form just sent. */
  const casePage = async (
    c: Context<OpsEnv>,
    id: string,
    outcome: { error?: string; status?: number } = {},
  ) => {
    const escrow = await getScopedEscrow(sql, { platformId: null }, id);
    if (!escrow) {
      return render(
        c,
        <Layout title="Escrow not found" {...page(c)}>
          <p>No escrow with id {id}.</p>
        </Layout>,
        404,
      );
    }
    const [events, messages] = await Promise.all([
      listEscrowEvents(sql, id, { afterSeq: 0, limit: TIMELINE_LIMIT }),
      listCaseMessages(sql, id),
    ]);
    return render(
      c,
      <CasePage
        {...page(c)}
        error={outcome.error}
        view={escrow.view}
        events={events.items}
        messages={messages}
        formId={randomUUID()}
        now={Date.now()}
      />,
      outcome.status ?? 200,
    );
  };

  app.get('/escrows/:id', (c) => casePage(c, c.req.param('id')));

  /** Sends an action as this operator; a refusal is shown on the case view, readable. */
  const perform = async <A extends Action>(
    c: Context<OpsEnv>,
    action: A,
    fields: Record<string, unknown>,
    done: string,
  ) => {
    const id = c.req.param('id') ?? '';
    const escrow = await getScopedEscrow(sql, { platformId: null }, id);
    if (!escrow) return casePage(c, id);
    const form = await c.req.parseBody();
    const formId = typeof form.formId === 'string' ? form.formId.slice(0, 64) : randomUUID();
    const principal = { kind: 'ops' as const, operator: c.get('session').operator };
    const args = { ...fields, role: 'ops', actorId: actorOf(principal) } as ActionArgs<A>;
    try {
      await act(deps, id, action, args, `ops-console-${action}-${formId}`);
    } catch (error) {
      const problem = toProblem(error);
      if (!problem) throw error;
      return casePage(c, id, { error: problem.detail, status: problem.status });
    }
    deps.logger.info({ operator: principal.operator, escrowId: id, action }, 'ops console action');
    return c.redirect(`/ops/escrows/${encodeURIComponent(id)}?notice=${done}`, 303);
  };

  app.post('/escrows/:id/resolve', async (c) => {
    const form = await c.req.parseBody();
    const outcome = form.outcome;
    const rawAmount = typeof form.sellerAmount === 'string' ? form.sellerAmount.trim() : '';
    const body = {
      outcome,
      ...(outcome === 'split' && rawAmount !== ''
        ? { sellerAmount: /^\d{1,15}$/.test(rawAmount) ? Number(rawAmount) : rawAmount }
        : {}),
    };
    const parsed = ResolveDisputeBody.safeParse(body);
    if (!parsed.success) {
      const why = parsed.error.issues
        .map((i) => (i.path[0] === 'outcome' ? 'choose an outcome' : i.message))
        .join('; ');
      return casePage(c, c.req.param('id'), { error: `Not resolved: ${why}.`, status: 422 });
    }
    return perform(c, 'resolveDispute', parsed.data, 'resolved');
  });

  app.get('/escrows/:id/files/:fileId{[A-Za-z0-9_-]{1,64}}', async (c) => {
    const id = c.req.param('id');
    const file = await getEvidenceFile(sql, id, c.req.param('fileId'));
    if (!file) {
      return render(
        c,
        <Layout title="File not found" {...page(c)}>
          <p>
            Escrow {id} has no evidence file {c.req.param('fileId')}.{' '}
            <a href={`/ops/escrows/${encodeURIComponent(id)}`}>Back to the case</a>
          </p>
        </Layout>,
        404,
      );
    }
    return evidenceFileResponse(c, file);
  });

  /** A message from ops on the case, with files: the API's rules, as the operator. */
  app.post('/escrows/:id/messages', async (c) => {
    const id = c.req.param('id');
    const escrow = await getScopedEscrow(sql, { platformId: null }, id);
    if (!escrow) return casePage(c, id);
    if (!escrow.view.dispute) {
      return casePage(c, id, { error: 'Not sent: this escrow has no dispute.', status: 409 });
    }
    const form = await c.req.parseBody({ all: true });
    const text = messageText(form.text);
    if (text === undefined) {
      return casePage(c, id, {
        error: 'Not sent: the message has characters or a length it may not have.',
        status: 422,
      });
    }
    const formId = typeof form.formId === 'string' ? form.formId.slice(0, 64) : randomUUID();
    const principal = { kind: 'ops' as const, operator: c.get('session').operator };
    try {
      const files = await checkedFiles(fileParts(form));
      if (text === '' && files.length === 0) {
        return casePage(c, id, {
          error: 'Not sent: write a message or attach a file.',
          status: 422,
        });
      }
      await recordDisputeMessage(deps, {
        escrowId: id,
        status: escrow.view.status,
        messageId: formMessageId(id, 'ops-console', formId),
        role: 'ops',
        actorId: actorOf(principal),
        text,
        files,
      });
    } catch (error) {
      const problem = toProblem(error);
      if (!problem || problem.status >= 500) throw error;
      return casePage(c, id, { error: `Not sent: ${problem.detail}`, status: problem.status });
    }
    deps.logger.info({ operator: principal.operator, escrowId: id }, 'ops console message');
    return c.redirect(`/ops/escrows/${encodeURIComponent(id)}?notice=message-added`, 303);
  });

  app.post('/escrows/:id/retry-payout', (c) => perform(c, 'retryPayout', {}, 'payout-retried'));
  app.post('/escrows/:id/retry-refund', (c) => perform(c, 'retryRefund', {}, 'refund-retried'));

  app.onError((error, c) => {
    const problem = toProblem(error);
    if (!problem || problem.status >= 500) {
      deps.logger.error({ err: error }, 'ops console error');
    }
    return c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error · Escrow ops</title><link rel="stylesheet" href="/ops/assets/console.css"></head><body><main id="main"><h1>Something went wrong</h1><p>${
        problem && problem.status < 500
          ? 'The request could not be done.'
          : 'Something went wrong on our side; reload to try again.'
      }</p><p><a href="/ops">Back to the queue</a></p></main></body></html>`,
      (problem?.status ?? 500) as 500,
    );
  });

  return app;
}

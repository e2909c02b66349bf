// The hosted escrow pages for buyers and sellers: GET /e/{id} (the first visit trades the link's
// party token for a cookie), POST /e/{id}/actions/{name} (one lifecycle action, validated by the
// API's own body schema and sent like the API sends it), and the pages' stylesheet and script.
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { EVIDENCE_MAX_BODY_BYTES } from '../../domain/evidence.js';
import { ACTION_RULES } from '../../domain/lifecycle.js';
import { getEvidenceFile, listDisputeMessages } from '../../store/dispute-evidence.js';
import { getScopedEscrow, listEscrowEvents } from '../../store/escrow-queries.js';
import type { ActionArgs } from '../../workflows/messages.js';
import type { PartyClaims } from '../credentials.js';
import type { RouteDeps } from '../deps.js';
import { presentEscrow } from '../presenters.js';
import type { Principal } from '../principal.js';
import { ProblemError } from '../problem.js';
import {
  evidenceFileResponse,
  recordDisputeMessage,
  type SniffedFile,
} from '../routes/dispute-evidence.js';
import { act, actorOf } from '../routes/escrow-actions.js';
import { API_ACTIONS } from '../schemas/actions.js';
import { COUNTDOWN_JS, PAGE_CSS } from './assets.js';
import { EscrowPage, MessagePage, type OfferedAction } from './escrow-page.js';
import {
  checkedFiles,
  evidenceLimits,
  evidenceRefusal,
  fileParts,
  formMessageId,
  messageText,
} from './evidence.js';
import {
  ACTION_TEXT,
  FIELD_TEXT,
  fill,
  type Lang,
  pickLang,
  REFUSAL,
  STATUS_TEXT,
  UI,
} from './i18n.js';
import { escrowPagePath, PAGE_ASSETS } from './paths.js';
import {
  checkToken,
  csrfMatches,
  csrfToken,
  endSession,
  isFormNonce,
  LANG_COOKIE,
  newFormNonce,
  type PageSettings,
  type SessionCheck,
  sessionOf,
  setFlash,
  startSession,
  takeFlash,
} from './session.js';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Fields a form may send, as the action bodies name them. */
const TEXT_FIELDS = ['carrier', 'trackingNumber', 'reason', 'details', 'message'] as const;

const langOf = (c: Context): Lang =>
  pickLang(c.req.query('lang'), getCookie(c, LANG_COOKIE), c.req.header('accept-language'));

const html = (c: Context, page: JSX.Element, status: 200 | 401 | 403 | 404 | 413 = 200) =>
  c.html(`<!DOCTYPE html>${String(page)}`, status);

function refusedVisit(
  c: Context,
  lang: Lang,
  escrowId: string,
  check: SessionCheck & { ok: false },
) {
  const [title, message, status] =
    check.reason === 'expired'
      ? [REFUSAL.expiredTitle, REFUSAL.expired, 401 as const]
      : check.reason === 'other_escrow'
        ? [REFUSAL.wrongEscrowTitle, REFUSAL.wrongEscrow, 403 as const]
        : [REFUSAL.invalidTitle, REFUSAL.invalidLink, 401 as const];
  return html(
    c,
    MessagePage({
      lang,
      path: escrowPagePath(escrowId),
      title: title[lang],
      message: message[lang],
    }),
    status,
  );
}

/** A refused action, in the page's language. */
function refusalText(error: unknown, lang: Lang): string | undefined {
  if (!(error instanceof ProblemError)) return undefined;
  switch (error.status) {
    case 409: {
      const status = error.extensions.currentStatus as keyof typeof STATUS_TEXT | undefined;
      return fill(REFUSAL.notAllowedNow[lang], {
        status: status && STATUS_TEXT[status] ? STATUS_TEXT[status][lang] : String(status ?? ''),
      });
    }
    case 403:
      return REFUSAL.forbidden[lang];
    case 422:
      return fill(REFUSAL.invalidArgument[lang], { detail: error.detail });
    default:
      return undefined;
  }
}

/** The party a page session stands for, as the API's party token would. */
const pagePrincipal = (escrowId: string, claims: PartyClaims): Principal & { kind: 'party' } => ({
  kind: 'party',
  platformId: claims.platformId,
  escrowId,
  role: claims.role,
  expiresAt: new Date(claims.expiresAt * 1000).toISOString(),
});

export function escrowPageRoutes(deps: RouteDeps) {
  const settings: PageSettings = {
    tokenSecret: deps.settings.tokenSecret,
    secureCookies: deps.settings.secureCookies,
  };
  const app = new Hono();

  app.use('/e/*', async (c, next) => {
    await next();
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Content-Security-Policy', CSP);
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
    c.header('Vary', 'Cookie, Accept-Language');
  });

  app.get(PAGE_ASSETS.css, (c) =>
    c.body(PAGE_CSS, 200, {
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
    }),
  );
  app.get(PAGE_ASSETS.js, (c) =>
    c.body(COUNTDOWN_JS, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
    }),
  );

  app.get('/e/:id', async (c) => {
    const id = c.req.param('id');
    const path = escrowPagePath(id);
    const lang = langOf(c);
    const askedLang = c.req.query('lang');
    if (askedLang === 'vi' || askedLang === 'en') {
      setCookie(c, LANG_COOKIE, askedLang, {
        path: '/e',
        httpOnly: true,
        sameSite: 'Lax',
        secure: settings.secureCookies,
        maxAge: 365 * 86_400,
      });
    }
    const linkToken = c.req.query('token');
    if (linkToken !== undefined) {
      const check = checkToken(linkToken, id, settings.tokenSecret);
      if (!check.ok) return refusedVisit(c, lang, id, check);
      startSession(c, id, check.token, check.claims, settings);
      return c.redirect(path, 303);
    }
    if (askedLang !== undefined) return c.redirect(path, 303);

    const session = sessionOf(c, id, settings);
    if (!session.ok) {
      if (session.reason === 'expired' || session.reason === 'invalid') endSession(c, id, settings);
      return refusedVisit(c, lang, id, session);
    }
    const { claims } = session;
    const record = await getScopedEscrow(deps.sql, { platformId: claims.platformId }, id);
    if (!record) {
      return html(
        c,
        MessagePage({
          lang,
          path,
          title: REFUSAL.notFoundTitle[lang],
          message: REFUSAL.notFound[lang],
        }),
        404,
      );
    }
    const escrow = presentEscrow(record.view, claims.role);
    const [{ items: events }, messages] = await Promise.all([
      listEscrowEvents(deps.sql, id, { afterSeq: 0, limit: 500 }),
      record.view.dispute ? listDisputeMessages(deps.sql, id) : Promise.resolve([]),
    ]);
    // The lifecycle's answer for this role now, by route name (allowedActionNames).
    const actions: OfferedAction[] = escrow.allowedActions.flatMap((name) => {
      const spec = API_ACTIONS.find((a) => a.name === name);
      return spec ? [{ name, action: spec.action }] : [];
    });
    return html(
      c,
      EscrowPage({
        lang,
        role: claims.role,
        escrow,
        events,
        actions,
        messages,
        csrf: csrfToken(session.token, settings.tokenSecret),
        nonce: newFormNonce,
        flash: takeFlash(c, id, settings),
        now: Date.now(),
      }),
    );
  });

  const tooLarge = (c: Context) => {
    const lang = langOf(c);
    return html(
      c,
      MessagePage({
        lang,
        path: escrowPagePath(c.req.param('id') ?? ''),
        title: REFUSAL.notSentTitle[lang],
        message: fill(REFUSAL.formTooLarge[lang], { max: evidenceLimits(lang).size }),
      }),
      413,
    );
  };
  const limitBody = bodyLimit({ maxSize: deps.settings.maxBodyBytes, onError: tooLarge });
  // A dispute (its form may carry files) and a dispute message take the evidence limit.
  const limitEvidence = bodyLimit({ maxSize: EVIDENCE_MAX_BODY_BYTES, onError: tooLarge });
  const limitAction: MiddlewareHandler = (c, next) =>
    (c.req.param('name') === 'disputes' ? limitEvidence : limitBody)(c, next);

  /** The page's session and its CSRF token checked; the form parsed (files as File parts). */
  const formSession = async (c: Context) => {
    const id = c.req.param('id') ?? '';
    const lang = langOf(c);
    const path = escrowPagePath(id);
    const session = sessionOf(c, id, settings);
    if (!session.ok) return { refused: refusedVisit(c, lang, id, session) } as const;
    const form = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
    if (!csrfMatches(form._csrf, session.token, settings.tokenSecret)) {
      return {
        refused: html(
          c,
          MessagePage({
            lang,
            path,
            title: REFUSAL.invalidTitle[lang],
            message: REFUSAL.csrf[lang],
          }),
          403,
        ),
      } as const;
    }
    return { id, lang, path, session, form } as const;
  };

  // One evidence file, through the page's session (the cookie is scoped to this escrow's path).
  app.get('/e/:id/files/:fileId{[A-Za-z0-9_-]{1,64}}', async (c) => {
    const id = c.req.param('id');
    const lang = langOf(c);
    const session = sessionOf(c, id, settings);
    if (!session.ok) return refusedVisit(c, lang, id, session);
    const record = await getScopedEscrow(deps.sql, { platformId: session.claims.platformId }, id);
    const file = record ? await getEvidenceFile(deps.sql, id, c.req.param('fileId')) : undefined;
    if (!file) {
      return html(
        c,
        MessagePage({
          lang,
          path: escrowPagePath(id),
          title: REFUSAL.fileNotFound[lang],
          message: REFUSAL.fileNotFound[lang],
        }),
        404,
      );
    }
    return evidenceFileResponse(c, file);
  });

  // A dispute message with files, from the page's evidence form.
  app.post('/e/:id/messages', limitEvidence, async (c) => {
    const checked = await formSession(c);
    if ('refused' in checked) return checked.refused;
    const { id, lang, path, session, form } = checked;
    const back = (kind: 'ok' | 'error', text: string) => {
      setFlash(c, id, { kind, text }, settings);
      return c.redirect(`${path}#evidence`, 303);
    };
    const record = await getScopedEscrow(deps.sql, { platformId: session.claims.platformId }, id);
    if (!record?.view.dispute) return back('error', REFUSAL.noDispute[lang]);
    const text = messageText(form.text);
    if (text === undefined)
      return back('error', fill(REFUSAL.invalid[lang], { fields: UI.messageText[lang] }));
    const { role } = session.claims;
    const nonce = isFormNonce(form._nonce) ? form._nonce : newFormNonce();
    try {
      const files = await checkedFiles(fileParts(form));
      if (text === '' && files.length === 0) return back('error', REFUSAL.emptyMessage[lang]);
      await recordDisputeMessage(deps, {
        escrowId: id,
        status: record.view.status,
        messageId: formMessageId(id, 'page', nonce),
        role,
        actorId: actorOf(pagePrincipal(id, session.claims)),
        text,
        files,
      });
    } catch (error) {
      const refusal = evidenceRefusal(error, lang) ?? refusalText(error, lang);
      if (refusal === undefined) {
        deps.logger.error({ err: error, escrowId: id }, 'page dispute message failed');
      }
      return back('error', refusal ?? REFUSAL.unavailable[lang]);
    }
    return back('ok', `${UI.messageSent[lang]}.`);
  });

  app.post('/e/:id/actions/:name{[a-z]+(?:[/-][a-z]+)*}', limitAction, async (c) => {
    const id = c.req.param('id');
    const name = c.req.param('name');
    const path = escrowPagePath(id);
    const lang = langOf(c);
    const session = sessionOf(c, id, settings);
    if (!session.ok) return refusedVisit(c, lang, id, session);
    const form = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
    if (!csrfMatches(form._csrf, session.token, settings.tokenSecret)) {
      return html(
        c,
        MessagePage({ lang, path, title: REFUSAL.invalidTitle[lang], message: REFUSAL.csrf[lang] }),
        403,
      );
    }
    const back = (kind: 'ok' | 'error', text: string) => {
      setFlash(c, id, { kind, text }, settings);
      return c.redirect(path, 303);
    };

    const spec = API_ACTIONS.find((a) => a.name === name);
    if (!spec) return back('error', REFUSAL.unknownAction[lang]);
    const { role } = session.claims;
    if (!ACTION_RULES[spec.action].by.includes(role)) return back('error', REFUSAL.forbidden[lang]);

    const body: Record<string, unknown> = {};
    for (const field of TEXT_FIELDS) {
      const value = form[field];
      if (typeof value === 'string' && value.trim() !== '') body[field] = value;
    }
    const items = ([] as unknown[]).concat(form.items ?? []).filter((v) => typeof v === 'string');
    if (items.length > 0) body.items = items;
    const parsed = spec.body.safeParse(body);
    if (!parsed.success) {
      const fields = [
        ...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? ''))),
      ].map((field) => FIELD_TEXT[field]?.[lang] ?? field);
      return back('error', fill(REFUSAL.invalid[lang], { fields: fields.join(', ') }));
    }

    const principal = pagePrincipal(id, session.claims);
    // The dispute form's files: checked before the dispute opens, sent as its first message.
    let disputeFiles: SniffedFile[] = [];
    if (spec.action === 'openDispute') {
      try {
        disputeFiles = await checkedFiles(fileParts(form));
      } catch (error) {
        const refusal = evidenceRefusal(error, lang) ?? refusalText(error, lang);
        if (refusal === undefined) throw error;
        return back('error', refusal);
      }
    }
    const args = {
      ...(parsed.data as Record<string, unknown>),
      role,
      actorId: actorOf(principal),
    } as ActionArgs<typeof spec.action>;
    // One Update per rendered form: a form sent twice is applied once.
    const nonce = isFormNonce(form._nonce) ? form._nonce : newFormNonce();
    try {
      await act(deps, id, spec.action, args, `page-${name}-${nonce}`);
    } catch (error) {
      const text = refusalText(error, lang);
      if (text === undefined) {
        deps.logger.error({ err: error, escrowId: id, action: spec.action }, 'page action failed');
      }
      return back('error', text ?? REFUSAL.unavailable[lang]);
    }
    if (disputeFiles.length > 0) {
      try {
        const record = await getScopedEscrow(deps.sql, { platformId: principal.platformId }, id);
        await recordDisputeMessage(deps, {
          escrowId: id,
          status: record?.view.status ?? 'disputed',
          messageId: formMessageId(id, 'page-dispute', nonce),
          role,
          actorId: actorOf(principal),
          text: '',
          files: disputeFiles,
        });
      } catch (error) {
        const why = evidenceRefusal(error, lang) ?? refusalText(error, lang);
        if (why === undefined) {
          deps.logger.error({ err: error, escrowId: id }, 'page dispute files failed');
        }
        return back(
          'error',
          fill(REFUSAL.disputeFilesFailed[lang], { why: why ?? REFUSAL.unavailable[lang] }),
        );
      }
    }
    return back('ok', `${UI.done[lang]}: ${ACTION_TEXT[spec.action].label[lang]}.`);
  });

  return app;
}

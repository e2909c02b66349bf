// The hosted escrow page, server-rendered with Hono's JSX: what the escrow is, its money, its
// running deadlines, its items and timeline, and one form per action the lifecycle allows this
// party now. Works without JavaScript; /e/assets/countdown.js only keeps countdowns ticking.
import type { Child } from 'hono/jsx';
import { ACTION_RULES, type Action, type ItemStatus, type Timer } from '../../domain/lifecycle.js';
import type { DisputeMessageRecord } from '../../store/dispute-evidence.js';
import type { Escrow } from '../schemas/escrows.js';
import { evidenceLimits } from './evidence.js';
import { formatDate, formatMoney, formatRemaining } from './format.js';
import {
  ACTION_TEXT,
  AUTHOR_TEXT,
  DISPUTE_REASONS,
  eventText,
  fill,
  ITEM_STATUS_TEXT,
  type Lang,
  STATUS_TEXT,
  type Text,
  TIMER_TEXT,
  UI,
} from './i18n.js';
import { escrowPagePath, PAGE_ASSETS } from './paths.js';
import type { Flash } from './session.js';

export interface TimelineEntry {
  seq: number;
  type: string;
  occurredAt: Date;
  data: Record<string, unknown>;
}

/** A form the page offers: the public action name (route) and the lifecycle action behind it. */
export interface OfferedAction {
  name: string;
  action: Action;
}

export interface EscrowPageProps {
  lang: Lang;
  role: 'buyer' | 'seller';
  escrow: Escrow;
  events: TimelineEntry[];
  actions: OfferedAction[];
  /** The dispute's messages and files (none without a dispute). */
  messages: DisputeMessageRecord[];
  csrf: string;
  nonce: () => string;
  flash?: Flash | undefined;
  now: number;
}

const t = (text: Text, lang: Lang) => text[lang];

function Layout(props: { lang: Lang; title: string; path: string; children: Child }) {
  return (
    <html lang={props.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={PAGE_ASSETS.css} />
        <script src={PAGE_ASSETS.js} defer />
      </head>
      <body>
        <header>
          <strong>{t(UI.title, props.lang)}</strong>
          <nav class="lang" aria-label={t(UI.language, props.lang)}>
            <a
              href={`${props.path}?lang=vi`}
              hreflang="vi"
              lang="vi"
              aria-current={props.lang === 'vi' ? 'true' : undefined}
            >
              Tiếng Việt
            </a>
            {' · '}
            <a
              href={`${props.path}?lang=en`}
              hreflang="en"
              lang="en"
              aria-current={props.lang === 'en' ? 'true' : undefined}
            >
              English
            </a>
          </nav>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

function Countdown(props: { at: string; lang: Lang; now: number }) {
  const passed = t(UI.passed, props.lang);
  const left = formatRemaining(props.at, props.now, props.lang);
  return (
    <span>
      <time
        class="countdown"
        datetime={props.at}
        data-countdown={props.at}
        data-lang={props.lang}
        data-passed={passed}
      >
        {left ?? passed}
      </time>{' '}
      <span class="muted">
        ({t(UI.due, props.lang)} {formatDate(props.at, props.lang)})
      </span>
    </span>
  );
}

const timerText = (timer: string) =>
  TIMER_TEXT[timer as Timer] as (typeof TIMER_TEXT)[Timer] | undefined;

function Deadlines(props: { escrow: Escrow; lang: Lang; now: number }) {
  const { lang } = props;
  const running = Object.entries(props.escrow.deadlines).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  return (
    <section aria-labelledby="deadlines">
      <h2 id="deadlines">{t(UI.deadlines, lang)}</h2>
      {running.length === 0 ? (
        <p class="muted">{t(UI.noDeadlines, lang)}</p>
      ) : (
        <ul class="deadlines">
          {running.map(([timer, at]) => {
            const text = timerText(timer);
            return (
              <li class="deadline" data-timer={timer}>
                <strong>{text ? t(text.name, lang) : timer}</strong>:{' '}
                <Countdown at={at} lang={lang} now={props.now} />
                {text ? <div class="help">{t(text.onExpiry, lang)}</div> : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function Money(props: { escrow: Escrow; lang: Lang }) {
  const { escrow, lang } = props;
  const m = (n: number) => formatMoney(n, escrow.currency, lang);
  const rows: Array<[Text, number, string]> = [
    [UI.held, escrow.money.held, 'held'],
    [UI.frozen, escrow.money.frozen, 'frozen'],
    [UI.releasable, escrow.money.releasable, 'releasable'],
    [UI.released, escrow.money.released, 'released'],
    [UI.refunded, escrow.money.refunded, 'refunded'],
  ];
  return (
    <section aria-labelledby="money">
      <h2 id="money">{t(UI.money, lang)}</h2>
      <dl class="money">
        <dt>{t(UI.total, lang)}</dt>
        <dd data-money="total">{m(escrow.amount)}</dd>
        {rows.map(([label, value, key]) => (
          <>
            <dt>{t(label, lang)}</dt>
            <dd data-money={key}>{m(value)}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}

function Items(props: { escrow: Escrow; lang: Lang; now: number }) {
  const { escrow, lang } = props;
  const items = escrow.items ?? [];
  return (
    <section aria-labelledby="items">
      <h2 id="items">{t(UI.items, lang)}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">{t(UI.item, lang)}</th>
            <th scope="col">{t(UI.status, lang)}</th>
            <th scope="col">{t(UI.amount, lang)}</th>
            <th scope="col">{t(UI.itemDeadline, lang)}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => {
            const timer = item.deadline?.timer ? timerText(item.deadline.timer) : undefined;
            return (
              <tr data-item={item.id} data-item-status={item.status}>
                <td>
                  {item.description}
                  {item.quantity && item.quantity > 1 ? ` × ${item.quantity}` : ''}
                  <div class="muted">{item.id}</div>
                </td>
                <td>{t(ITEM_STATUS_TEXT[item.status], lang)}</td>
                <td class="num">
                  {formatMoney(item.amount, escrow.currency, lang)}
                  {item.money.frozen > 0 ? (
                    <div class="muted">
                      {t(UI.frozen, lang)}: {formatMoney(item.money.frozen, escrow.currency, lang)}
                    </div>
                  ) : null}
                </td>
                <td>
                  {item.deadline?.at ? (
                    <>
                      {timer ? <div>{t(timer.name, lang)}</div> : null}
                      <Countdown at={item.deadline.at} lang={lang} now={props.now} />
                      {timer ? <div class="help">{t(timer.onExpiry, lang)}</div> : null}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function Outcome(props: { escrow: Escrow; lang: Lang }) {
  const { escrow, lang } = props;
  const resolution = escrow.dispute?.resolution;
  if (!resolution) return null;
  const label =
    resolution.outcome === 'release'
      ? UI.outcomeRelease
      : resolution.outcome === 'refund'
        ? UI.outcomeRefund
        : UI.outcomeSplit;
  return (
    <div class="outcome" data-outcome={resolution.outcome}>
      <p>
        <strong>{t(UI.outcome, lang)}:</strong> {t(label, lang)}
      </p>
      <dl class="money">
        <dt>{t(UI.toSeller, lang)}</dt>
        <dd data-outcome-money="seller">
          {formatMoney(resolution.sellerAmount, escrow.currency, lang)}
        </dd>
        <dt>{t(UI.toBuyer, lang)}</dt>
        <dd data-outcome-money="buyer">
          {formatMoney(resolution.buyerAmount, escrow.currency, lang)}
        </dd>
      </dl>
    </div>
  );
}

function Evidence(props: {
  escrow: Escrow;
  lang: Lang;
  messages: DisputeMessageRecord[];
  csrf: string;
  nonce: string;
}) {
  const { escrow, lang } = props;
  const path = escrowPagePath(escrow.id);
  const limits = evidenceLimits(lang);
  return (
    <div id="evidence" data-slot="dispute-evidence">
      <h3>{t(UI.evidence, lang)}</h3>
      {props.messages.length === 0 ? (
        <p class="muted">{t(UI.noMessages, lang)}</p>
      ) : (
        <ol class="messages">
          {props.messages.map((message) => (
            <li data-message={message.id} data-author={message.authorRole}>
              <strong>{AUTHOR_TEXT[message.authorRole]?.[lang] ?? message.authorRole}</strong>{' '}
              <time class="muted" datetime={message.createdAt.toISOString()}>
                {formatDate(message.createdAt, lang)}
              </time>
              {message.text ? <p class="message-text">{message.text}</p> : null}
              {message.files.length > 0 ? (
                <ul class="files">
                  {message.files.map((file) => (
                    <li data-file={file.id} data-content-type={file.contentType}>
                      <a href={`${path}/files/${encodeURIComponent(file.id)}`} download={file.name}>
                        {t(UI.download, lang)} {file.name}
                      </a>{' '}
                      <span class="muted">
                        ({file.contentType}, {formatBytes(file.size, lang)})
                      </span>
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      <form
        method="post"
        action={`${path}/messages`}
        enctype="multipart/form-data"
        data-form="dispute-message"
        aria-labelledby="dispute-message-title"
      >
        <h4 id="dispute-message-title">{t(UI.addMessage, lang)}</h4>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="_nonce" value={props.nonce} />
        <label for="dispute-message-text">{t(UI.messageText, lang)}</label>
        <textarea id="dispute-message-text" name="text" maxlength={5000} />
        <FilesInput id="dispute-message-files" lang={lang} limits={limits} />
        <button type="submit">{t(UI.send, lang)}</button>
      </form>
    </div>
  );
}

function FilesInput(props: { id: string; lang: Lang; limits: { size: string; count: string } }) {
  const { id, lang } = props;
  return (
    <>
      <label for={id}>{t(UI.files, lang)}</label>
      <input
        type="file"
        id={id}
        name="files"
        multiple
        accept="image/jpeg,image/png,image/webp,application/pdf"
        aria-describedby={`${id}-help`}
      />
      <div class="help" id={`${id}-help`}>
        {fill(t(UI.filesHelp, lang), props.limits)}
      </div>
    </>
  );
}

const formatBytes = (bytes: number, lang: Lang) =>
  bytes < 1024
    ? `${bytes} B`
    : `${new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 }).format(bytes / 1024)} KB`;

function DisputeSummary(props: {
  escrow: Escrow;
  lang: Lang;
  messages: DisputeMessageRecord[];
  csrf: string;
  nonce: string;
}) {
  const { dispute } = props.escrow;
  const { lang } = props;
  if (!dispute) return null;
  return (
    <section aria-labelledby="dispute">
      <h2 id="dispute">{t(UI.dispute, lang)}</h2>
      <Outcome escrow={props.escrow} lang={lang} />
      <p>
        <strong>{t(UI.reason, lang)}:</strong>{' '}
        {DISPUTE_REASONS.find((r) => r.value === dispute.reason)?.text[lang] ?? dispute.reason}
      </p>
      {dispute.details ? <p>{dispute.details}</p> : null}
      {dispute.sellerResponse ? (
        <p>
          <strong>{t(UI.sellerAnswer, lang)}:</strong> {dispute.sellerResponse.message}
        </p>
      ) : null}
      <Evidence
        escrow={props.escrow}
        lang={lang}
        messages={props.messages}
        csrf={props.csrf}
        nonce={props.nonce}
      />
    </section>
  );
}

/** Items the action may name now: those in a status its rule applies to. */
const eligibleItems = (escrow: Escrow, action: Action) => {
  const from = ACTION_RULES[action].items;
  if (!from) return [];
  return (escrow.items ?? []).filter(
    (item) => item.status in from && from[item.status as ItemStatus],
  );
};

type Field =
  | 'carrier'
  | 'trackingNumber'
  | 'reason'
  | 'disputeReason'
  | 'details'
  | 'message'
  | 'files';

/** The fields of each action's form; the body schema in api/schemas/actions.ts checks them. */
const FORM_FIELDS: Partial<Record<Action, Field[]>> = {
  markShipped: ['carrier', 'trackingNumber'],
  markReturnShipped: ['carrier', 'trackingNumber'],
  openDispute: ['disputeReason', 'details', 'files'],
  reject: ['reason'],
  disputeReturn: ['reason', 'details'],
  respondToDispute: ['message'],
  cancel: ['reason'],
};

/** Actions whose form lets the party pick items (absent: every item the action applies to). */
const PICKS_ITEMS: readonly Action[] = [
  'accept',
  'openDispute',
  'reject',
  'markReturnShipped',
  'confirmReturn',
  'disputeReturn',
];

function FieldInput(props: { field: Field; id: string; lang: Lang }) {
  const { field, id, lang } = props;
  switch (field) {
    case 'carrier':
    case 'trackingNumber':
    case 'reason':
      return (
        <>
          <label for={id}>{t(UI[field], lang)}</label>
          <input
            type="text"
            id={id}
            name={field}
            required
            maxlength={field === 'reason' ? 500 : 100}
          />
        </>
      );
    case 'disputeReason':
      return (
        <>
          <label for={id}>{t(UI.reason, lang)}</label>
          <select id={id} name="reason" required>
            {DISPUTE_REASONS.map((reason) => (
              <option value={reason.value}>{reason.text[lang]}</option>
            ))}
          </select>
        </>
      );
    case 'details':
    case 'message':
      return (
        <>
          <label for={id}>{t(UI[field], lang)}</label>
          <textarea id={id} name={field} maxlength={5000} required={field === 'message'} />
        </>
      );
    case 'files':
      return <FilesInput id={id} lang={lang} limits={evidenceLimits(lang)} />;
  }
}

function ActionForm(props: {
  offered: OfferedAction;
  escrow: Escrow;
  lang: Lang;
  csrf: string;
  nonce: string;
}) {
  const { offered, escrow, lang } = props;
  const text = ACTION_TEXT[offered.action];
  const key = offered.name.replaceAll('/', '-');
  const items = PICKS_ITEMS.includes(offered.action) ? eligibleItems(escrow, offered.action) : [];
  const fields = FORM_FIELDS[offered.action] ?? [];
  return (
    <form
      method="post"
      action={`${escrowPagePath(escrow.id)}/actions/${offered.name}`}
      data-action={offered.name}
      enctype={fields.includes('files') ? 'multipart/form-data' : undefined}
      aria-labelledby={`${key}-title`}
    >
      <h3 id={`${key}-title`}>{t(text.label, lang)}</h3>
      {text.help[lang] ? <p class="help">{text.help[lang]}</p> : null}
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="_nonce" value={props.nonce} />
      {items.length > 1 ? (
        <fieldset>
          <legend>{t(UI.chooseItems, lang)}</legend>
          {items.map((item) => (
            <label>
              <input type="checkbox" name="items" value={item.id} /> {item.description} (
              {formatMoney(item.amount, escrow.currency, lang)})
            </label>
          ))}
        </fieldset>
      ) : null}
      {fields.map((field) => (
        <FieldInput field={field} id={`${key}-${field}`} lang={lang} />
      ))}
      <button type="submit">{t(text.label, lang)}</button>
    </form>
  );
}

export function EscrowPage(props: EscrowPageProps) {
  const { escrow, lang } = props;
  const path = escrowPagePath(escrow.id);
  return (
    <Layout lang={lang} title={`${t(UI.title, lang)} ${escrow.reference}`} path={path}>
      <h1>{escrow.description}</h1>
      <p class="muted">
        {t(UI.reference, lang)}: {escrow.reference} ·{' '}
        {t(props.role === 'buyer' ? UI.youAreBuyer : UI.youAreSeller, lang)}
      </p>
      {props.flash ? (
        <div
          class={`flash flash-${props.flash.kind}`}
          role={props.flash.kind === 'error' ? 'alert' : 'status'}
        >
          {props.flash.text}
        </div>
      ) : null}
      <section aria-labelledby="status">
        <h2 id="status">{t(UI.status, lang)}</h2>
        <p class="status" data-status={escrow.status}>
          {t(STATUS_TEXT[escrow.status], lang)}
        </p>
      </section>
      <Money escrow={escrow} lang={lang} />
      <Deadlines escrow={escrow} lang={lang} now={props.now} />
      <Items escrow={escrow} lang={lang} now={props.now} />
      <DisputeSummary
        escrow={escrow}
        lang={lang}
        messages={props.messages}
        csrf={props.csrf}
        nonce={props.nonce()}
      />
      <section aria-labelledby="actions">
        <h2 id="actions">{t(UI.actions, lang)}</h2>
        {props.actions.length === 0 ? (
          <p class="muted">{t(UI.noActions, lang)}</p>
        ) : (
          props.actions.map((offered) => (
            <ActionForm
              offered={offered}
              escrow={escrow}
              lang={lang}
              csrf={props.csrf}
              nonce={props.nonce()}
            />
          ))
        )}
      </section>
      <section aria-labelledby="timeline">
        <h2 id="timeline">{t(UI.timeline, lang)}</h2>
        <ol class="timeline">
          {props.events.map((event) => (
            <li data-event={event.type}>
              <time datetime={event.occurredAt.toISOString()}>
                {formatDate(event.occurredAt, lang)}
              </time>
              {' — '}
              {eventText(event.type, lang)}
              {Array.isArray(event.data.items) && event.data.items.length > 0 ? (
                <span class="muted">
                  {' '}
                  ({(event.data.items as unknown[]).map(String).join(', ')})
                </span>
              ) : null}
            </li>
          ))}
        </ol>
      </section>
    </Layout>
  );
}

/** A refusal of the visit itself: expired or wrong link, unknown escrow. */
export function MessagePage(props: { lang: Lang; path: string; title: string; message: string }) {
  return (
    <Layout lang={props.lang} title={props.title} path={props.path}>
      <section>
        <h1>{props.title}</h1>
        <p>{props.message}</p>
      </section>
    </Layout>
  );
}

// The sandbox's pages for people (one per rail's payment screen): one layout, one escaper.

export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

/** An amount the sandbox keeps (a decimal string of VND) as a person reads it. */
export const vnd = (amount: string) => `${BigInt(amount).toLocaleString('en-US')} VND`;

export interface PageLook {
  /** Which rail's screen this plays, in the title and the banner: `VNPay 2.1.0 protocol`. */
  rail: string;
  /** The rail's colour on the button that pays. */
  accent: string;
  lang?: string;
  /** Extra CSS a rail's screen needs (payOS's QR block). */
  css?: string;
}

export function layout(look: PageLook, title: string, body: string): string {
  return `<!doctype html>
<html lang="${look.lang ?? 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Sandbox PSP</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1f2933; }
.note { color: #7b8794; font-size: .85rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1rem; }
dt { color: #52606d; }
button { font-size: 1rem; padding: .6rem 1.4rem; margin-right: .6rem; border-radius: .3rem; border: 1px solid #9aa5b1; cursor: pointer; }
button[value=success] { background: ${look.accent}; color: #fff; border-color: ${look.accent}; }
${look.css ?? ''}
</style>
</head>
<body>
<p class="note">Sandbox PSP (${escapeHtml(look.rail)}). No real money moves.</p>
${body}
</body>
</html>`;
}

/** A page with one message: a refusal, or an order already decided. */
export const messagePage = (look: PageLook, title: string, message: string): string =>
  layout(look, title, `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(message)}</p>`);

// Where the hosted escrow pages live; shared by the party-token route (the link it hands out)
// and the pages themselves.

/** The page of one escrow: its cookie is scoped to this path. */
export const escrowPagePath = (escrowId: string): string => `/e/${encodeURIComponent(escrowId)}`;

/** The link a party opens first: the token is traded for a cookie and leaves the address. */
export const hostedPageUrl = (publicBaseUrl: string, escrowId: string, token: string): string =>
  `${publicBaseUrl}${escrowPagePath(escrowId)}?token=${encodeURIComponent(token)}`;

/** Stylesheet and script of the pages, served by us (no CDN, no inline code). */
export const PAGE_ASSETS = { css: '/e/assets/page.css', js: '/e/assets/countdown.js' } as const;

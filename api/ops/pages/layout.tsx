import type { Child } from 'hono/jsx';
import { CSRF_FIELD } from '../csrf.js';

export interface PageProps {
  title: string;
  /** Signed in: the operator, and the session's CSRF token for the logout form. */
  operator?: string | undefined;
  csrf?: string | undefined;
  notice?: string | undefined;
  error?: string | undefined;
  children?: Child;
}

/** The hidden CSRF field every console form carries. */
export const CsrfField = ({ token }: { token: string }) => (
  <input type="hidden" name={CSRF_FIELD} value={token} />
);

/** Every console page: one <main> landmark, a navigation landmark once signed in. */
export const Layout = ({ title, operator, csrf, notice, error, children }: PageProps) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <title>{`${title} · Escrow ops`}</title>
      <link rel="stylesheet" href="/ops/assets/console.css" />
    </head>
    <body>
      <header>
        <strong>Escrow ops</strong>
        {operator !== undefined && csrf !== undefined ? (
          <>
            <nav aria-label="Console">
              <ul>
                <li>
                  <a href="/ops">Queue</a>
                </li>
                <li>
                  <a href="/ops/search">Search</a>
                </li>
                <li>
                  <a href="/ops/money">Money</a>
                </li>
              </ul>
            </nav>
            <form method="post" action="/ops/logout">
              <CsrfField token={csrf} />
              <span>
                Signed in as <span data-testid="operator">{operator}</span>
              </span>{' '}
              <button type="submit">Log out</button>
            </form>
          </>
        ) : null}
      </header>
      <main id="main">
        <h1>{title}</h1>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        {children}
      </main>
    </body>
  </html>
);

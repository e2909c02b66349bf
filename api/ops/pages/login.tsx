import { CsrfField, Layout } from './layout.js';

export const LoginPage = ({ csrf, error }: { csrf: string; error?: string | undefined }) => (
  <Layout title="Log in" error={error}>
    <form method="post" action="/ops/login">
      <CsrfField token={csrf} />
      <p>
        <label for="key">Ops key</label>
        <input
          id="key"
          name="key"
          type="password"
          autocomplete="current-password"
          required
          maxlength={4096}
        />
      </p>
      <p>
        <button type="submit">Log in</button>
      </p>
    </form>
  </Layout>
);

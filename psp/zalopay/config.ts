/** What every ZaloPay call needs: the app's credentials and where ZaloPay is. */
export interface ZalopayConfig {
  /** https://openapi.zalopay.vn (sb-openapi.zalopay.vn for ZaloPay's sandbox), or ours. */
  baseUrl: string;
  /** app_id ZaloPay issued: a number, kept as text as it goes into MACs. */
  appId: string;
  /** Signs our requests. */
  key1: string;
  /** Verifies ZaloPay's callbacks and redirects. */
  key2: string;
  /** Per HTTP call; past it the call fails with PspTransientError('timeout'). */
  timeoutMs: number;
  /** app_user of our orders: ZaloPay wants an id, or the app's name when there is none. */
  appUser: string;
  /** callback_url of our orders; unset, ZaloPay uses the one registered for the app. */
  callbackUrl?: string;
}

export const endpoint = (config: Pick<ZalopayConfig, 'baseUrl'>, path: string): string =>
  `${config.baseUrl.replace(/\/+$/, '')}${path}`;

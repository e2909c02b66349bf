/** The ZaloPay app the sandbox plays: its credentials and the callback URL registered for it. */
export interface ZalopayApp {
  appId: string;
  key1: string;
  key2: string;
  /** The app's registered callback URL: our API's `/v1/psp/zalopay/callback`. */
  callbackUrl: string;
}

/** What identifies a merchant to MoMo's v2 gateway: the partnerCode and its key pair. */
export interface MomoCredentials {
  partnerCode: string;
  accessKey: string;
  secretKey: string;
}

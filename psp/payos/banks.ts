import { PspPermanentError } from '../types.js';

/**
 * NAPAS bank BINs (the VietQR bank list) of the banks sellers use most, by the short codes
 * platforms send. payOS pays to a BIN; anything else would be a guess, so it is refused.
 */
const binByCode: Readonly<Record<string, string>> = {
  VCB: '970436',
  CTG: '970415',
  ICB: '970415',
  BIDV: '970418',
  VBA: '970405',
  AGRIBANK: '970405',
  TCB: '970407',
  MB: '970422',
  MBB: '970422',
  ACB: '970416',
  VPB: '970432',
  TPB: '970423',
  STB: '970403',
  HDB: '970437',
  VIB: '970441',
  SHB: '970443',
  EIB: '970431',
  MSB: '970426',
  OCB: '970448',
  SEAB: '970440',
  LPB: '970449',
  NAB: '970428',
  SCB: '970429',
  ABB: '970425',
  BAB: '970409',
  NCB: '970419',
  KLB: '970452',
  VCCB: '970454',
};

/** The 6-digit BIN payOS's `toBin` wants: given as is, or looked up by short code. */
export function bankBin(bankCode: string): string {
  const code = bankCode.trim().toUpperCase();
  if (/^\d{6}$/.test(code)) return code;
  const bin = binByCode[code];
  if (bin === undefined) {
    throw new PspPermanentError(
      'invalid_destination',
      `unknown bank code ${JSON.stringify(bankCode)}: give the bank's 6-digit BIN`,
      'payos',
    );
  }
  return bin;
}

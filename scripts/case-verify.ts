// npm run case:verify FILE [--keys JWKS] — checks an exported case record offline: every
// event's hash and link, the head, the evidence hashes, the digest and the Ed25519 signature
// (against the key in the record, or the keys file, e.g. /.well-known/escrow-signing-keys).
// Exit 0 "intact"; 1 naming the first broken link; 2 for a file that cannot be read.
import { readFileSync } from 'node:fs';
import { type CaseRecord, verifyCaseRecord } from '../infra/case-record.js';
import type { SigningJwk } from '../infra/case-signing.js';

const args = process.argv.slice(2);
const keysAt = args.indexOf('--keys');
const keysFile = keysAt >= 0 ? args[keysAt + 1] : undefined;
const file = args.find((a, i) => !a.startsWith('--') && (keysAt < 0 || i !== keysAt + 1));
if (!file || (keysAt >= 0 && !keysFile)) {
  process.stderr.write('usage: npm run case:verify -- FILE [--keys JWKS_FILE]\n');
  process.exit(2);
}

const readJson = (path: string): unknown => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    process.stderr.write(`cannot read ${path}: ${(error as Error).message}\n`);
    process.exit(2);
  }
};

const record = readJson(file) as CaseRecord;
const keys = keysFile ? ((readJson(keysFile) as { keys?: SigningJwk[] }).keys ?? []) : undefined;
const result = verifyCaseRecord(record, keys);
if (result.ok) {
  process.stdout.write(
    `intact: escrow ${record.escrowId}, ${record.events.length} events, head ${record.chain.head?.seq ?? '-'} ${record.chain.head?.hash ?? ''}, signed by ${record.signature.kid}\n`,
  );
} else {
  const where = result.firstBrokenSeq === undefined ? '' : ` at event seq ${result.firstBrokenSeq}`;
  process.stdout.write(
    `BROKEN${where}: ${result.problems[0]}\n${result.problems
      .slice(1)
      .map((p) => `  also: ${p}\n`)
      .join('')}`,
  );
}
process.exitCode = result.ok ? 0 : 1;

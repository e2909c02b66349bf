// Dispute messages and evidence from the hosted page and the ops console: a form's text and
// files, checked by the API's own rules (api/routes/dispute-evidence.ts: size, type from the
// bytes, count under the store's lock) and recorded the same way (recordDisputeMessage).
import { createHash } from 'node:crypto';
import { EVIDENCE_MAX_FILE_BYTES, EVIDENCE_MAX_FILES } from '../../domain/evidence.js';
import { ProblemError } from '../problem.js';
import {
  MessageText,
  readFileParts,
  type SniffedFile,
  sniffFiles,
} from '../routes/dispute-evidence.js';
import { fill, type Lang, REFUSAL } from './i18n.js';

/** The `files` parts a form sent, without the empty part a file input sends when nothing is chosen. */
export function fileParts(form: Record<string, unknown>, field = 'files'): unknown[] {
  return [form[field] ?? [], form[`${field}[]`] ?? []]
    .flat()
    .filter((part) => !(part instanceof Blob && part.size === 0 && !(part as File).name));
}

/** The form's files read and sniffed: ProblemErrors (413, 415, 422) as the API throws them. */
export async function checkedFiles(parts: unknown[]): Promise<SniffedFile[]> {
  return sniffFiles(await readFileParts(parts));
}

/** The form's text, by the API's rule for a message's text; undefined when it breaks it. */
export function messageText(value: unknown): string | undefined {
  const parsed = MessageText.safeParse(typeof value === 'string' ? value : '');
  return parsed.success ? parsed.data : undefined;
}

/** A message id from the rendered form's nonce: the same form sent twice is one message. */
export const formMessageId = (escrowId: string, source: string, nonce: string): string =>
  `dmsg_${createHash('sha256').update(`${escrowId}:${source}:${nonce}`).digest('hex').slice(0, 32)}`;

const mb = (bytes: number, lang: Lang) =>
  `${new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 }).format(bytes / 1024 / 1024)} MB`;

export const evidenceLimits = (lang: Lang) => ({
  size: mb(EVIDENCE_MAX_FILE_BYTES, lang),
  count: String(EVIDENCE_MAX_FILES),
});

/** An evidence refusal (the API's problem) as a sentence in the page's language. */
export function evidenceRefusal(error: unknown, lang: Lang): string | undefined {
  if (!(error instanceof ProblemError)) return undefined;
  const ext = error.extensions as Record<string, unknown>;
  const file = String(ext.file ?? '');
  switch (error.slug) {
    case 'payload-too-large':
      return fill(REFUSAL.fileTooLarge[lang], {
        file,
        size: mb(Number(ext.size ?? 0), lang),
        max: mb(EVIDENCE_MAX_FILE_BYTES, lang),
      });
    case 'unsupported-file-type':
      return fill(REFUSAL.fileType[lang], { file });
    case 'too-many-files':
      return fill(REFUSAL.tooManyFiles[lang], {
        stored: String(ext.stored ?? ''),
        max: String(EVIDENCE_MAX_FILES),
      });
    case 'invalid-state':
      return REFUSAL.noDispute[lang];
    default:
      return undefined;
  }
}

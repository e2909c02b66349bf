import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import {
  DISPUTE_MESSAGE_MAX_CHARS,
  describeBytes,
  EVIDENCE_CONTENT_TYPES,
  EVIDENCE_MAX_FILE_BYTES,
  EVIDENCE_MAX_FILES,
  sniffContentType,
} from '../../domain/evidence.js';
import type { Role } from '../../domain/lifecycle.js';
import {
  type DisputeMessageRecord,
  discardDisputeMessage,
  getEvidenceFile,
  listDisputeMessages,
  markRecorded,
  type NewEvidenceFile,
  storeDisputeMessage,
  TooManyFilesError,
} from '../../store/dispute-evidence.js';
import { addDisputeMessage, DisputeMessageRejectedError } from '../../workflows/client.js';
import { allow, visibleEscrow } from '../access.js';
import { type RouteDeps, withinDeadline } from '../deps.js';
import { validationFailed, validationHook } from '../errors.js';
import { bearer } from '../openapi.js';
import { type Principal, roleOf } from '../principal.js';
import { ProblemError } from '../problem.js';
import {
  EscrowIdParams,
  IdempotencyKeyHeader,
  json,
  problems,
  safeText,
} from '../schemas/common.js';

export const MessageText = safeText(DISPUTE_MESSAGE_MAX_CHARS, { min: 0, multiline: true });

const DisputeMessageJson = z
  .strictObject({
    text: safeText(DISPUTE_MESSAGE_MAX_CHARS, { multiline: true }).openapi({
      example: 'The lens arrived cracked; photos of the box and the lens attached.',
    }),
  })
  .openapi('DisputeMessageInput', {
    example: { text: 'The lens arrived cracked; the box was dented too.' },
  });

const binary = z.any().openapi({ type: 'string', format: 'binary' });
const DisputeMessageForm = z
  .object({
    text: z
      .any()
      .optional()
      .openapi({ type: 'string', description: 'The message (may be empty when files are sent).' }),
    files: z
      .any()
      .optional()
      .openapi({
        type: 'array',
        items: { type: 'string', format: 'binary' },
        description: `Zero or more parts named \`files\`: JPEG, PNG, WebP or PDF, at most ${EVIDENCE_MAX_FILE_BYTES} bytes each, at most ${EVIDENCE_MAX_FILES} per dispute. The type is read from the bytes, not from the name or the part's header.`,
      }),
  })
  .openapi('DisputeMessageUpload');
void binary;

const FileSchema = z
  .object({
    id: z.string().openapi({ example: 'dfile_3f6c2a8e9b1d4c07a5e2f1b0c9d8e7a6' }),
    name: z.string().openapi({ example: 'lens.jpg' }),
    contentType: z.enum(EVIDENCE_CONTENT_TYPES),
    size: z.int().openapi({ example: 48213 }),
    sha256: z.string().openapi({ example: 'a3f1…' }),
  })
  .openapi('EvidenceFile');

const MessageSchema = z
  .object({
    id: z.string().openapi({ example: 'dmsg_0b6e4f3a2c1d4e5f8a9b7c6d5e4f3a2b' }),
    seq: z.int().openapi({ description: 'The dispute_message event that put it in the chain.' }),
    author: z.enum(['platform', 'ops', 'buyer', 'seller']),
    text: z.string(),
    createdAt: z.string(),
    files: z.array(FileSchema),
  })
  .openapi('DisputeMessage');

const MessageListSchema = z.object({ data: z.array(MessageSchema) }).openapi('DisputeMessageList');

const FileParams = EscrowIdParams.extend({
  fileId: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/)
    .openapi({
      param: { name: 'fileId', in: 'path' },
      example: 'dfile_3f6c2a8e9b1d4c07a5e2f1b0c9d8e7a6',
    }),
});

const WHO = ['platform', 'ops', 'buyer', 'seller'] as const;

const postMessage = createRoute({
  method: 'post',
  path: '/v1/escrows/{id}/disputes/messages',
  tags: ['Escrows'],
  summary: 'Add a message, with evidence files, to the escrow’s dispute',
  description: `Allowed for: the platform, ops, the buyer's and the seller's tokens, while the escrow has a dispute (open or resolved). JSON \`{ text }\`, or multipart/form-data with \`text\` and parts named \`files\` (JPEG, PNG, WebP, PDF — told from the bytes; ≤ ${EVIDENCE_MAX_FILE_BYTES} bytes each, ≤ ${EVIDENCE_MAX_FILES} files per dispute). The message becomes a \`dispute_message\` event (in the tamper-evident chain, and a webhook) that records the files' names, types, sizes and SHA-256, not their bytes.`,
  security: bearer,
  middleware: [allow(WHO)] as const,
  request: {
    params: EscrowIdParams,
    headers: IdempotencyKeyHeader,
    body: {
      // Each media type is validated by its own schema only when it is the one sent (a
      // required body would run both); a request without a body is a 422 from the handler.
      required: false,
      content: {
        'application/json': { schema: DisputeMessageJson },
        'multipart/form-data': { schema: DisputeMessageForm },
      },
    },
  },
  responses: {
    201: json(MessageSchema, 'Recorded: the message, its event and its files'),
    ...problems(400, 401, 403, 404, 409, 413, 415, 422, 503),
  },
});

const listMessages = createRoute({
  method: 'get',
  path: '/v1/escrows/{id}/disputes/messages',
  tags: ['Escrows'],
  summary: 'The messages and evidence of the escrow’s dispute, in order',
  security: bearer,
  middleware: [allow(WHO)] as const,
  request: { params: EscrowIdParams },
  responses: {
    200: json(MessageListSchema, 'Every message'),
    ...problems(401, 403, 404, 422, 503),
  },
});

const getFile = createRoute({
  method: 'get',
  path: '/v1/escrows/{id}/disputes/files/{fileId}',
  tags: ['Escrows'],
  summary: 'One evidence file’s bytes',
  description:
    'Answers with the stored (sniffed) content type, `Content-Disposition: attachment` and `X-Content-Type-Options: nosniff`; the `Digest`-like header `X-Content-SHA256` carries its SHA-256.',
  security: bearer,
  middleware: [allow(WHO)] as const,
  request: { params: FileParams },
  responses: {
    200: {
      description: 'The file',
      content: Object.fromEntries(
        EVIDENCE_CONTENT_TYPES.map((type) => [
          type,
          { schema: { type: 'string', format: 'binary' } },
        ]),
      ),
    },
    ...problems(401, 403, 404, 422, 503),
  },
});

export const fileTooLarge = (name: string, size: number) =>
  new ProblemError(
    413,
    'payload-too-large',
    'File too large',
    `File ${JSON.stringify(name)} is ${size} bytes; a file may have at most ${EVIDENCE_MAX_FILE_BYTES} bytes.`,
    { file: name, size, maxBytes: EVIDENCE_MAX_FILE_BYTES },
  );

export const unsupportedFile = (name: string, found: string) =>
  new ProblemError(
    415,
    'unsupported-file-type',
    'Unsupported file type',
    `File ${JSON.stringify(name)} is ${found}, judged by its bytes: evidence must be JPEG, PNG, WebP or PDF (the name and the part's Content-Type are not trusted).`,
    { file: name, allowed: [...EVIDENCE_CONTENT_TYPES] },
  );

const tooManyFiles = (error: TooManyFilesError) =>
  new ProblemError(
    409,
    'too-many-files',
    'Too many files',
    `A dispute holds at most ${error.limit} files: ${error.message}.`,
    {
      stored: error.stored,
      adding: error.adding,
      maxFiles: error.limit,
    },
  );

export const noDispute = (escrowId: string, status: string) =>
  new ProblemError(
    409,
    'invalid-state',
    'No dispute',
    `Escrow ${escrowId} is ${status} and has no dispute: messages and evidence belong to a dispute.`,
    { escrowId, currentStatus: status },
  );

/** Who wrote it, as the event log names them (as escrow-actions.ts does). */
const actorOf = (principal: Principal): string =>
  principal.kind === 'platform'
    ? principal.platformId
    : principal.kind === 'party'
      ? `${principal.role}-token`
      : 'ops';

/** A file name fit for the event log and a Content-Disposition header. */
export const cleanName = (name: string): string =>
  [...name]
    .map((ch) => {
      const code = ch.codePointAt(0) ?? 0;
      return code < 0x20 || (code >= 0x7f && code <= 0x9f) || '"\\/'.includes(ch) ? '_' : ch;
    })
    .join('')
    .trim()
    .slice(0, 200) || 'file';

export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

/** The bytes of multipart file parts, each under the size limit (413 otherwise). */
export async function readFileParts(parts: unknown[]): Promise<UploadedFile[]> {
  const files: UploadedFile[] = [];
  for (const part of parts) {
    if (!(part instanceof Blob)) {
      throw validationFailed([{ field: 'body.files', message: 'each files part must be a file' }]);
    }
    const name = cleanName((part as File).name ?? 'file');
    if (part.size > EVIDENCE_MAX_FILE_BYTES) throw fileTooLarge(name, part.size);
    files.push({ name, bytes: new Uint8Array(await part.arrayBuffer()) });
  }
  return files;
}

export type SniffedFile = Omit<NewEvidenceFile, 'id'>;

/** Each file's type from its bytes (415 for anything but JPEG, PNG, WebP, PDF) and its SHA-256. */
export const sniffFiles = (files: UploadedFile[]): SniffedFile[] =>
  files.map((file) => {
    const contentType = sniffContentType(file.bytes);
    if (!contentType) throw unsupportedFile(file.name, describeBytes(file.bytes));
    return {
      name: file.name,
      contentType,
      size: file.bytes.byteLength,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      bytes: file.bytes,
    };
  });

export interface DisputeMessageInput {
  escrowId: string;
  /** The escrow's status, for the refusal when the workflow says there is no dispute. */
  status: string;
  messageId: string;
  role: Role;
  actorId: string;
  text: string;
  files: SniffedFile[];
}

/**
 * Stores a message and its files (the per-dispute limit under the store's lock), sends it to
 * the workflow as the `disputeMessage` Update, and lists it once its event is written. The same
 * messageId again continues the first attempt (the API's idempotency seed, a page form's nonce).
 */
export async function recordDisputeMessage(
  deps: RouteDeps,
  input: DisputeMessageInput,
): Promise<DisputeMessageRecord> {
  const { sql } = deps;
  const { messageId, escrowId: id, role, actorId } = input;
  // Ids from the message id: a retry that continues the first attempt names the same files.
  const files: NewEvidenceFile[] = input.files.map((file, index) => ({
    id: `dfile_${createHash('sha256').update(`${messageId}:${index}`).digest('hex').slice(0, 32)}`,
    ...file,
  }));
  try {
    await storeDisputeMessage(
      sql,
      { id: messageId, escrowId: id, role, actorId, text: input.text, files },
      EVIDENCE_MAX_FILES,
    );
  } catch (error) {
    if (error instanceof TooManyFilesError) throw tooManyFiles(error);
    // A retry of the same first attempt finds its message stored already.
    if ((error as { code?: string }).code !== '23505') throw error;
  }
  let seq: number;
  try {
    ({ seq } = await withinDeadline(deps, () =>
      addDisputeMessage(
        deps.temporal,
        deps.settings.taskQueue,
        id,
        {
          messageId,
          role,
          actorId,
          text: input.text,
          files: files.map(({ bytes: _, ...ref }) => ref),
        },
        `dispute-message-${messageId}`,
      ),
    ));
  } catch (error) {
    if (error instanceof DisputeMessageRejectedError) {
      await discardDisputeMessage(sql, messageId);
      throw noDispute(id, input.status);
    }
    throw error;
  }
  await markRecorded(sql, messageId, seq);
  const [stored] = (await listDisputeMessages(sql, id)).filter((m) => m.id === messageId);
  if (!stored) throw new Error(`dispute message ${messageId} vanished after it was recorded`);
  return stored;
}

/** An evidence file's bytes as a download: its stored (sniffed) type, never rendered inline. */
export const evidenceFileResponse = (
  c: Context,
  file: { name: string; contentType: string; bytes: Buffer; sha256: string },
): Response =>
  c.body(new Uint8Array(file.bytes), 200, {
    'content-type': file.contentType,
    'content-disposition': `attachment; filename="${file.name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    'x-content-type-options': 'nosniff',
    'x-content-sha256': file.sha256,
  });

interface ParsedMessage {
  text: string;
  files: Array<{ name: string; bytes: Uint8Array }>;
}

/** The message's text and files from the validated JSON or multipart body. */
async function readMessage(c: Context): Promise<ParsedMessage> {
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) {
    const body = (c.req as unknown as { valid: (t: 'json') => { text?: string } }).valid('json');
    if (typeof body.text !== 'string') {
      throw validationFailed([{ field: 'body.text', message: 'required: the message' }]);
    }
    return { text: body.text, files: [] };
  }
  const form = (c.req as unknown as { valid: (t: 'form') => Record<string, unknown> }).valid(
    'form',
  );
  const unknown = Object.keys(form).filter((k) => k !== 'text' && k !== 'files' && k !== 'files[]');
  if (unknown.length > 0) {
    throw validationFailed(
      unknown.map((k) => ({
        field: `body.${k}`,
        message: 'unknown field: this API does not accept it',
      })),
    );
  }
  const rawText = form.text ?? '';
  if (typeof rawText !== 'string') {
    throw validationFailed([{ field: 'body.text', message: 'expected text, not a file' }]);
  }
  const parsedText = MessageText.safeParse(rawText);
  if (!parsedText.success) {
    throw validationFailed(
      parsedText.error.issues.map((i) => ({ field: 'body.text', message: i.message })),
    );
  }
  const files = await readFileParts([form.files ?? [], form['files[]'] ?? []].flat());
  if (parsedText.data === '' && files.length === 0) {
    throw validationFailed([
      { field: 'body.text', message: 'a message needs text or at least one file' },
    ]);
  }
  return { text: parsedText.data, files };
}

const presentMessage = (m: DisputeMessageRecord) => ({
  id: m.id,
  seq: m.seq,
  author: m.authorRole,
  text: m.text,
  createdAt: m.createdAt.toISOString(),
  files: m.files,
});

/** Dispute messages and evidence: add one, list them, download a file. */
export function disputeEvidenceRoutes(deps: RouteDeps) {
  const { sql } = deps;
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(postMessage, async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      const role = roleOf(principal);
      const escrow = await visibleEscrow(c, sql, id);
      const message = await readMessage(c);
      if (!escrow.view.dispute) throw noDispute(id, escrow.status);
      const sniffed = sniffFiles(message.files);
      const fingerprint = { text: message.text, files: sniffed.map((f) => [f.name, f.sha256]) };
      return deps.idempotent(c, { body: fingerprint }, async ({ seed }) => {
        const stored = await recordDisputeMessage(deps, {
          escrowId: id,
          status: escrow.status,
          messageId: `dmsg_${seed.replaceAll('-', '').slice(0, 32)}`,
          role,
          actorId: actorOf(principal),
          text: message.text,
          files: sniffed,
        });
        return c.json(presentMessage(stored), 201);
      });
    })
    .openapi(listMessages, async (c) => {
      const { id } = c.req.valid('param');
      await visibleEscrow(c, sql, id);
      const messages = await listDisputeMessages(sql, id);
      return c.json({ data: messages.map(presentMessage) }, 200);
    })
    .openapi(getFile, async (c) => {
      const { id, fileId } = c.req.valid('param');
      await visibleEscrow(c, sql, id);
      const file = await getEvidenceFile(sql, id, fileId);
      if (!file) {
        throw new ProblemError(
          404,
          'not-found',
          'File not found',
          `Escrow ${id} has no evidence file ${fileId}.`,
        );
      }
      return evidenceFileResponse(c, file) as never;
    });
}

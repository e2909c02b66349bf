// Dispute messages and their files (bytes in bytea, with their SHA-256). A message is stored
// before its `dispute_message` event is sent to the workflow, so the chain never names bytes
// that are not here; it is listed once the event is written (seq set).
import type { EvidenceContentType, EvidenceFileRef } from '../domain/evidence.js';
import type { Role } from '../domain/lifecycle.js';
import type { Sql } from '../infra/db.js';

export interface NewEvidenceFile extends EvidenceFileRef {
  bytes: Uint8Array;
}

export interface NewDisputeMessage {
  id: string;
  escrowId: string;
  role: Role;
  actorId: string;
  text: string;
  files: NewEvidenceFile[];
}

/** Another file would take the dispute past its limit: how many it holds already. */
export class TooManyFilesError extends Error {
  constructor(
    readonly stored: number,
    readonly adding: number,
    readonly limit: number,
  ) {
    super(`the dispute holds ${stored} files; ${adding} more would pass the limit of ${limit}`);
    this.name = 'TooManyFilesError';
  }
}

/**
 * Stores a message and its files, unlisted until `markRecorded`. The file count is checked
 * under a per-escrow lock, so two uploads at once cannot pass the limit together.
 */
export async function storeDisputeMessage(
  sql: Sql,
  message: NewDisputeMessage,
  maxFiles: number,
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${`dispute-files:${message.escrowId}`}, 0))`;
    const [count] = await tx<{ n: number }[]>`
      select count(*)::int as n from dispute_files where escrow_id = ${message.escrowId}`;
    const stored = count?.n ?? 0;
    if (stored + message.files.length > maxFiles) {
      throw new TooManyFilesError(stored, message.files.length, maxFiles);
    }
    await tx`
      insert into dispute_messages (id, escrow_id, author_role, actor_id, body)
      values (${message.id}, ${message.escrowId}, ${message.role}, ${message.actorId},
              ${message.text})`;
    for (const [position, file] of message.files.entries()) {
      await tx`
        insert into dispute_files (id, escrow_id, message_id, position, name, content_type, size,
                                   sha256, content)
        values (${file.id}, ${message.escrowId}, ${message.id}, ${position}, ${file.name},
                ${file.contentType}, ${file.size}, ${file.sha256}, ${Buffer.from(file.bytes)})`;
    }
  });
}

/** The message's event is in the chain: list it from now on. */
export async function markRecorded(sql: Sql, messageId: string, seq: number): Promise<void> {
  await sql`update dispute_messages set seq = ${seq} where id = ${messageId}`;
}

/** The workflow refused the message: it and its files go. */
export async function discardDisputeMessage(sql: Sql, messageId: string): Promise<void> {
  await sql`delete from dispute_messages where id = ${messageId} and seq is null`;
}

export interface DisputeMessageRecord {
  id: string;
  seq: number;
  authorRole: Role;
  actorId: string;
  text: string;
  createdAt: Date;
  files: EvidenceFileRef[];
}

/** The escrow's recorded dispute messages, in chain order, each with its files (no bytes). */
export async function listDisputeMessages(
  sql: Sql,
  escrowId: string,
): Promise<DisputeMessageRecord[]> {
  const messages = await sql<
    {
      id: string;
      seq: number;
      author_role: Role;
      actor_id: string;
      body: string;
      created_at: Date;
    }[]
  >`select id, seq, author_role, actor_id, body, created_at from dispute_messages
     where escrow_id = ${escrowId} and seq is not null order by seq`;
  const files = await listEvidenceFiles(sql, escrowId);
  return messages.map((m) => ({
    id: m.id,
    seq: m.seq,
    authorRole: m.author_role,
    actorId: m.actor_id,
    text: m.body,
    createdAt: m.created_at,
    files: files.filter((f) => f.messageId === m.id).map(({ messageId: _, seq: __, ...f }) => f),
  }));
}

/** Every recorded file of the escrow's disputes (no bytes), with its message and event. */
export async function listEvidenceFiles(
  sql: Sql,
  escrowId: string,
): Promise<Array<EvidenceFileRef & { messageId: string; seq: number }>> {
  const rows = await sql<
    {
      id: string;
      message_id: string;
      seq: number;
      name: string;
      content_type: EvidenceContentType;
      size: number;
      sha256: string;
    }[]
  >`select f.id, f.message_id, m.seq, f.name, f.content_type, f.size, f.sha256
      from dispute_files f join dispute_messages m on m.id = f.message_id
     where f.escrow_id = ${escrowId} and m.seq is not null
     order by m.seq, f.position`;
  return rows.map((r) => ({
    id: r.id,
    messageId: r.message_id,
    seq: r.seq,
    name: r.name,
    contentType: r.content_type,
    size: r.size,
    sha256: r.sha256,
  }));
}

/** One file's bytes, if it belongs to this escrow and its message is recorded. */
export async function getEvidenceFile(
  sql: Sql,
  escrowId: string,
  fileId: string,
): Promise<{ name: string; contentType: string; bytes: Buffer; sha256: string } | undefined> {
  const [row] = await sql<
    { name: string; content_type: string; content: Buffer; sha256: string }[]
  >`
    select f.name, f.content_type, f.content, f.sha256
      from dispute_files f join dispute_messages m on m.id = f.message_id
     where f.escrow_id = ${escrowId} and f.id = ${fileId} and m.seq is not null`;
  return row
    ? { name: row.name, contentType: row.content_type, bytes: row.content, sha256: row.sha256 }
    : undefined;
}

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
// @temporalio/proto is CommonJS: Node's ESM loader only sees its default export.
import proto from '@temporalio/proto';

const { temporal } = proto;

const dir = new URL('../fixtures/histories/', import.meta.url);
const { History } = temporal.api.history.v1;
const FORMAT = 'temporal.api.history.v1.History;protobuf;base64';

/** `RECORD_HISTORIES=1` turns the workflow tests into a recorder of replay fixtures. */
export const recordingHistories = (): boolean => Boolean(process.env.RECORD_HISTORIES);

/**
 * Histories are kept as protobuf bytes in a JSON envelope: the SDK's proto-JSON helpers trip
 * over the two copies of protobufjs that npm installs under @temporalio/common and /proto.
 */
export async function saveHistory(client: Client, workflowId: string, name: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const data = Buffer.from(History.encode(History.fromObject(history)).finish()).toString('base64');
  await mkdir(dir, { recursive: true });
  const file = `${name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}.json`;
  await writeFile(
    new URL(file, dir),
    `${JSON.stringify({ workflowId, format: FORMAT, data }, null, 2)}\n`,
  );
}

export async function loadHistories(): Promise<
  Array<{ name: string; history: proto.temporal.api.history.v1.History }>
> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (name) => {
      const { format, data } = JSON.parse(await readFile(new URL(name, dir), 'utf8')) as {
        format: string;
        data: string;
      };
      if (format !== FORMAT) throw new Error(`${name}: unknown history format ${format}`);
      return { name, history: History.decode(Buffer.from(data, 'base64')) };
    }),
  );
}

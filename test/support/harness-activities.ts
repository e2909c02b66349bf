import type { Sql } from '../../infra/db.js';

export function createHarnessActivities(sql: Sql) {
  return {
    async recordPing(id: string, message: string): Promise<string> {
      const [row] = await sql<{ id: string }[]>`
        insert into harness_pings (id, message) values (${id}, ${message})
        on conflict (id) do update set message = excluded.message
        returning id`;
      if (!row) throw new Error('insert returned no row');
      return row.id;
    },
  };
}

export type HarnessActivities = ReturnType<typeof createHarnessActivities>;

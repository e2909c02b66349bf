// CPU time of this process's descendants, per service, from /proc (Linux only): each process
// counts for the nearest of itself and its ancestors whose command line names a service (the
// watchdog shell in front of a server names it too). Children that exited count through their
// parent's cutime/cstime.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** The stack's services by what their command lines name (the watchdog shells name them too). */
export const STACK_SERVICES = [
  ['api', /api\/main\.ts/],
  ['worker', /worker\/main\.ts/],
  ['psp', /sandbox\/main\.ts/],
  ['temporal', /temporal/],
  ['postgres', /postgres/],
] as const;

interface Proc {
  ppid: number;
  ticks: number;
  cmdline: string;
}

function processes(): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name (in parentheses, which may hold spaces): state is 3,
      // ppid 4, utime 14, stime 15, cutime 16, cstime 17 (1-based, man 5 proc).
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      all.set(Number(name), { ppid: Number(f[1]), ticks, cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return all;
}

/** Milliseconds of CPU so far per service (first matching pattern wins) under `root`. */
export function cpuMsByService(
  root: number,
  services: ReadonlyArray<readonly [name: string, pattern: RegExp]>,
): Record<string, number> {
  const all = processes();
  const totals: Record<string, number> = Object.fromEntries(services.map(([name]) => [name, 0]));
  // The first service named on the way up from `pid`, if that way reaches `root`.
  const serviceOf = (pid: number): string | undefined => {
    let service: string | undefined;
    for (let at = pid, hops = 0; at > 1 && hops < 64; hops++) {
      if (at === root) return service;
      const proc = all.get(at);
      if (!proc) return undefined;
      service ??= services.find(([, pattern]) => pattern.test(proc.cmdline))?.[0];
      at = proc.ppid;
    }
    return undefined;
  };
  for (const [pid, proc] of all) {
    const service = serviceOf(pid);
    if (service !== undefined) totals[service] = (totals[service] ?? 0) + proc.ticks;
  }
  for (const name of Object.keys(totals)) {
    totals[name] = ((totals[name] ?? 0) * 1000) / CLOCK_TICKS;
  }
  return totals;
}

import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of a process in MiB (VmRSS of /proc/<pid>/status; Linux only). */
export function rssMiB(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    throw new Error(`process ${pid} is gone (the worker exited: see its log above)`);
  }
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) / 1024;
}

/**
 * The process that `parentPid` (the watchdog shell in front of a service) started with `entry`
 * on its command line: the service's own node process, whose memory is the service's.
 */
export function childProcessOf(parentPid: number, entry: string): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name (in parentheses, which may hold spaces): state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parentPid) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmdline.includes(entry)) return Number(name);
    } catch {
      // The process ended while we looked.
    }
  }
  return undefined;
}

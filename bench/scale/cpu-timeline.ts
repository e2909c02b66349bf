import { cpuMsByService, STACK_SERVICES } from '../process-cpu.js';

/** The stack's services, and this bench itself (its creators are the stack's HTTP clients). */
export const CPU_USERS = [...STACK_SERVICES.map(([name]) => name), 'bench'] as const;
export type CpuUser = (typeof CPU_USERS)[number];

interface Sample {
  at: number;
  ms: Record<string, number>;
}

export interface CpuTimeline {
  stop: () => void;
  /** Cores each used between two instants (measured between the samples nearest them). */
  coresBetween: (from: number, to: number) => Record<CpuUser, number>;
}

/** Samples the CPU time of the stack's processes every `everyMs`, from now until `stop`. */
export function startCpuTimeline(everyMs = 1000): CpuTimeline {
  const samples: Sample[] = [];
  const take = () => {
    const ms = cpuMsByService(process.pid, STACK_SERVICES);
    const own = process.cpuUsage();
    ms.bench = (own.user + own.system) / 1000;
    samples.push({ at: Date.now(), ms });
  };
  take();
  const timer = setInterval(take, everyMs);
  const nearest = (at: number): Sample =>
    samples.reduce((best, s) => (Math.abs(s.at - at) < Math.abs(best.at - at) ? s : best));
  return {
    stop: () => {
      clearInterval(timer);
      take();
    },
    coresBetween: (from, to) => {
      const [a, b] = [nearest(from), nearest(to)];
      const seconds = Math.max(0.001, (b.at - a.at) / 1000);
      const cores = (user: CpuUser) => ((b.ms[user] ?? 0) - (a.ms[user] ?? 0)) / 1000 / seconds;
      return Object.fromEntries(CPU_USERS.map((user) => [user, cores(user)])) as Record<
        CpuUser,
        number
      >;
    },
  };
}

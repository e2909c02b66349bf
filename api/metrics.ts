import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

const escapeLabel = (value: string) =>
  value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
const labels = (pairs: Record<string, string>) =>
  `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`;

/**
 * Request counters and latency histograms in the Prometheus text format, labelled by route
 * pattern (never the raw path, so ids do not multiply the series).
 */
export class HttpMetrics {
  private readonly requests = new Map<string, { labels: Record<string, string>; value: number }>();
  private readonly durations = new Map<string, { labels: Record<string, string>; h: Histogram }>();
  private inFlight = 0;

  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const started = performance.now();
      this.inFlight += 1;
      try {
        await next();
      } finally {
        this.inFlight -= 1;
        const route =
          matchedRoutes(c)
            .filter((r) => r.method !== 'ALL')
            .at(-1)?.path ?? 'unmatched';
        this.observe(c.req.method, route, c.res.status, (performance.now() - started) / 1000);
      }
    };
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const counterLabels = { method, route, status: String(status) };
    const counterKey = JSON.stringify(counterLabels);
    const counter = this.requests.get(counterKey) ?? { labels: counterLabels, value: 0 };
    counter.value += 1;
    this.requests.set(counterKey, counter);

    const histLabels = { method, route };
    const histKey = JSON.stringify(histLabels);
    const entry = this.durations.get(histKey) ?? {
      labels: histLabels,
      h: { counts: BUCKETS.map(() => 0), sum: 0, count: 0 },
    };
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) entry.h.counts[i] = (entry.h.counts[i] ?? 0) + 1;
    });
    entry.h.sum += seconds;
    entry.h.count += 1;
    this.durations.set(histKey, entry);
  }

  render(): string {
    const lines: string[] = [
      '# HELP http_requests_total HTTP requests answered, by method, route and status.',
      '# TYPE http_requests_total counter',
    ];
    for (const { labels: l, value } of this.requests.values()) {
      lines.push(`http_requests_total${labels(l)} ${value}`);
    }
    lines.push(
      '# HELP http_request_duration_seconds Time to answer an HTTP request.',
      '# TYPE http_request_duration_seconds histogram',
    );
    for (const { labels: l, h } of this.durations.values()) {
      BUCKETS.forEach((bound, i) => {
        lines.push(
          `http_request_duration_seconds_bucket${labels({ ...l, le: String(bound) })} ${h.counts[i]}`,
        );
      });
      lines.push(`http_request_duration_seconds_bucket${labels({ ...l, le: '+Inf' })} ${h.count}`);
      lines.push(`http_request_duration_seconds_sum${labels(l)} ${h.sum}`);
      lines.push(`http_request_duration_seconds_count${labels(l)} ${h.count}`);
    }
    const memory = process.memoryUsage();
    lines.push(
      '# HELP http_requests_in_flight Requests being answered now.',
      '# TYPE http_requests_in_flight gauge',
      `http_requests_in_flight ${this.inFlight}`,
      '# HELP process_resident_memory_bytes Resident set size.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${memory.rss}`,
      '# HELP nodejs_heap_used_bytes V8 heap in use.',
      '# TYPE nodejs_heap_used_bytes gauge',
      `nodejs_heap_used_bytes ${memory.heapUsed}`,
      '# HELP process_uptime_seconds Seconds since the process started.',
      '# TYPE process_uptime_seconds gauge',
      `process_uptime_seconds ${process.uptime()}`,
    );
    return `${lines.join('\n')}\n`;
  }
}

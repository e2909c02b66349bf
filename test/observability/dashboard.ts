import { readFileSync } from 'node:fs';

interface Panel {
  targets?: { expr: string }[];
}

/** The metric families deploy/grafana/escrow.json queries (histograms by their base name). */
export function dashboardMetrics(): string[] {
  const dashboard = JSON.parse(
    readFileSync(new URL('../../deploy/grafana/escrow.json', import.meta.url), 'utf8'),
  ) as { panels: Panel[] };
  const names = new Set<string>();
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets ?? []) {
      for (const [name] of expr.matchAll(/\b(?:http|process|escrow|temporal|nodejs)_[a-z_]+/g)) {
        names.add(name.replace(/_bucket$/, ''));
      }
    }
  }
  return [...names].sort();
}

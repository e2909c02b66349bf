/** Requests the API answered so far, from its own /metrics (the scrape itself not counted). */
export async function apiRequestCounts(
  apiUrl: string,
): Promise<{ total: number; serverErrors: number }> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  let total = 0;
  let serverErrors = 0;
  for (const match of text.matchAll(/^http_requests_total\{(.*)\} (\d+)$/gm)) {
    const [, labels = '', value = '0'] = match;
    if (labels.includes('route="/metrics"')) continue;
    total += Number(value);
    if (/status="5\d\d"/.test(labels)) serverErrors += Number(value);
  }
  return { total, serverErrors };
}

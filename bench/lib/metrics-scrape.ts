/** Reads counters from a gateway's /metrics (Prometheus text), to count its DynamoDB calls. */
export async function scrapeSum(metricsUrl: string, name: string, labelFilter = ''): Promise<number> {
  const response = await fetch(metricsUrl);
  if (!response.ok) return Number.NaN;
  const text = await response.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labelFilter && !line.includes(labelFilter)) continue;
    sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

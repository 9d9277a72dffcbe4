/** Reads counters from a gateway's /metrics (Prometheus text), to count its DynamoDB calls. */
export async function scrapeSum(metricsUrl: string, name: string, labelFilter = ''): Promise<number> {
  const response = await fetch(metricsUrl);
  if (!response.ok) return Number.NaN;
  return sumIn(await response.text(), name, labelFilter);
}

/** The sum of the samples of `name` (with `labelFilter` in their labels) in a /metrics text. */
export function sumIn(text: string, name: string, labelFilter = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labelFilter && !line.includes(labelFilter)) continue;
    sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

export interface MetricsScrape {
  status: number;
  /** Size of the body. */
  bytes: number;
  /** Time to fetch it. */
  ms: number;
  text: string;
}

/** One whole scrape, with its status and size. */
export async function scrapeText(metricsUrl: string): Promise<MetricsScrape> {
  const started = performance.now();
  try {
    const response = await fetch(metricsUrl);
    const text = await response.text();
    return { status: response.status, bytes: Buffer.byteLength(text), ms: performance.now() - started, text };
  } catch {
    return { status: 0, bytes: 0, ms: performance.now() - started, text: '' };
  }
}

/** A counter's samples by the value of one label, e.g. `eventloom_dynamodb_calls_total` by `operation`. */
export async function callsByOperation(
  metricsUrl: string,
  name = 'eventloom_dynamodb_calls_total',
  label = 'operation',
): Promise<Record<string, number>> {
  const { status, text } = await scrapeText(metricsUrl);
  if (status !== 200) throw new Error(`metrics scrape of ${metricsUrl}: status ${status}`);
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const value = new RegExp(`${label}="([^"]+)"`).exec(line)?.[1] ?? 'unknown';
    counts[value] = (counts[value] ?? 0) + Number(line.split(' ').at(-1));
  }
  return counts;
}

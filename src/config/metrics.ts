/** EVENTLOOM_METRICS_PORT and EVENTLOOM_METRICS_HOST: where `/metrics` listens, apart from the API. */
import type { ReadVariable } from './env.js';

export interface MetricsListenConfig {
  /** 0: any free port. */
  port: number;
  host: string;
}

/** The Prometheus exporters' customary port; loopback, so that only the machine's scraper sees it. */
export const defaultMetricsListen: Readonly<MetricsListenConfig> = Object.freeze({
  port: 9464,
  host: '127.0.0.1',
});

export function parseMetricsListen(read: ReadVariable, problems: string[]): MetricsListenConfig | null {
  const host = read('EVENTLOOM_METRICS_HOST') ?? defaultMetricsListen.host;
  const raw = read('EVENTLOOM_METRICS_PORT');
  if (raw?.toLowerCase() === 'off') return null;
  if (raw === undefined) return { ...defaultMetricsListen, host };
  const port = Number(raw);
  if (/^\d+$/.test(raw) && port <= 65535) return { port, host };
  problems.push(
    `EVENTLOOM_METRICS_PORT must be an integer from 0 to 65535 (0 = any free port) or "off", got "${raw}".`,
  );
  return null;
}

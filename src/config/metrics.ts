/** EVENTLOOM_METRICS_PORT and EVENTLOOM_METRICS_HOST: where `/metrics` listens, apart from the API. */
import { type ReadVariable, readPort } from './env.js';

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
  if (read('EVENTLOOM_METRICS_PORT')?.toLowerCase() === 'off') return null;
  const host = read('EVENTLOOM_METRICS_HOST') ?? defaultMetricsListen.host;
  const port = readPort(read, problems, 'EVENTLOOM_METRICS_PORT', defaultMetricsListen.port, ' or "off"');
  return { port, host };
}

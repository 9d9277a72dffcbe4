/**
 * EVENTLOOM_CORS_ORIGINS: which browser origins may call the API. Unset: any origin, never
 * with credentials (API keys and tokens travel in the Authorization header, not in cookies).
 */
import type { ReadVariable } from './env.js';

export interface CorsConfig {
  /** Exact origins ("https://app.example.com"); null: any origin. */
  origins: readonly string[] | null;
}

export function parseCors(read: ReadVariable, problems: string[]): CorsConfig {
  const raw = read('EVENTLOOM_CORS_ORIGINS');
  if (raw === undefined) return { origins: null };
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    if (!isOrigin(origin))
      problems.push(
        `EVENTLOOM_CORS_ORIGINS: "${origin}" is not an origin: write scheme://host[:port], e.g. https://app.example.com.`,
      );
  }
  if (origins.length === 0) problems.push('EVENTLOOM_CORS_ORIGINS is set but names no origin.');
  return { origins };
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

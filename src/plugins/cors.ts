/**
 * CORS for browser frontends (the access part of the API contract). Credentials are API keys
 * and tokens in the Authorization header, never cookies, so no origin is ever told it may send
 * credentials. Unset: any origin may call. With EVENTLOOM_CORS_ORIGINS, only those origins get
 * CORS headers; a preflight from another gets none, and the browser refuses the call.
 */
import type { YogaServerOptions } from 'graphql-yoga';
import type { CorsConfig } from '../config/cors.js';

type CorsOption = NonNullable<YogaServerOptions<Record<string, unknown>, object>['cors']>;

const shared = {
  credentials: false,
  allowedHeaders: ['authorization', 'content-type'],
  methods: ['GET', 'POST', 'OPTIONS'],
  maxAge: 600,
};

export function corsOptions(config: CorsConfig | undefined): CorsOption {
  const allowed = config?.origins ?? null;
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (allowed === null) return { ...shared, origin: ['*'] };
    if (origin === null || !allowed.includes(origin)) return false;
    // The list (not the one origin) so that the response says `Vary: Origin` when it varies.
    return { ...shared, origin: allowed.length === 1 ? origin : [...allowed] };
  };
}

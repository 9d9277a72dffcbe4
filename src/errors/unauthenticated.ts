/**
 * The one answer to a request without a valid credential: HTTP 401 with
 * `WWW-Authenticate: Bearer realm="eventloom"` and an UNAUTHENTICATED error, whether the
 * HTTP plugin answers before parsing (src/plugins/use-auth.ts) or the context factory refuses
 * (src/context.ts).
 */
import { createGraphQLError } from 'graphql-yoga';
import type { RefusalReason } from '../auth/principal.js';
import { ApiErrorCode } from './codes.js';

export const unauthenticatedMessage =
  'Unauthorized: send "Authorization: Bearer <key>" with a key configured in EVENTLOOM_API_KEYS, or a valid token.';

/** The message for a refusal: whether the credential was missing, expired or not trusted, no more. */
export function unauthenticatedMessageFor(reason: RefusalReason = 'missing'): string {
  if (reason === 'expired') return 'Unauthorized: the token has expired. Get a fresh one and retry.';
  if (reason === 'invalid') return 'Unauthorized: the key or token is invalid.';
  return unauthenticatedMessage;
}

const challenge = { 'www-authenticate': 'Bearer realm="eventloom"' };

/** As a GraphQL error; yoga answers it with HTTP 401 and the challenge. */
export function unauthenticated(reason?: RefusalReason) {
  return createGraphQLError(unauthenticatedMessageFor(reason), {
    extensions: {
      code: ApiErrorCode.unauthenticated,
      ...(reason === undefined || reason === 'missing' ? {} : { reason }),
      http: { status: 401, headers: challenge },
    },
  });
}

/** As a whole response, for a plugin that answers before anything is parsed. */
export function unauthenticatedResponse(
  fetchAPI: { Response: typeof Response },
  reason?: RefusalReason,
): Response {
  const extensions = {
    code: ApiErrorCode.unauthenticated,
    ...(reason === undefined || reason === 'missing' ? {} : { reason }),
  };
  return new fetchAPI.Response(
    JSON.stringify({ errors: [{ message: unauthenticatedMessageFor(reason), extensions }] }),
    { status: 401, headers: { 'content-type': 'application/json; charset=utf-8', ...challenge } },
  );
}

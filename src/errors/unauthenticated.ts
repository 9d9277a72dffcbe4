/**
 * The one answer to a request without a valid credential: HTTP 401 with
 * `WWW-Authenticate: Bearer realm="eventloom"` and an UNAUTHENTICATED error, whether the
 * HTTP plugin answers before parsing (src/plugins/use-auth.ts) or the context factory refuses
 * (src/context.ts).
 */
import { createGraphQLError } from 'graphql-yoga';
import { ApiErrorCode } from './codes.js';

export const unauthenticatedMessage =
  'Unauthorized: send "Authorization: Bearer <key>" with a key configured in EVENTLOOM_API_KEYS.';

const challenge = { 'www-authenticate': 'Bearer realm="eventloom"' };

/** As a GraphQL error; yoga answers it with HTTP 401 and the challenge. */
export function unauthenticated() {
  return createGraphQLError(unauthenticatedMessage, {
    extensions: { code: ApiErrorCode.unauthenticated, http: { status: 401, headers: challenge } },
  });
}

/** As a whole response, for a plugin that answers before anything is parsed. */
export function unauthenticatedResponse(fetchAPI: { Response: typeof Response }): Response {
  return new fetchAPI.Response(
    JSON.stringify({
      errors: [{ message: unauthenticatedMessage, extensions: { code: ApiErrorCode.unauthenticated } }],
    }),
    { status: 401, headers: { 'content-type': 'application/json; charset=utf-8', ...challenge } },
  );
}

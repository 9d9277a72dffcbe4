/**
 * Per-request metrics and logs. Every GraphQL operation is counted by name, type and outcome
 * and timed; every HTTP request to the gateway writes one JSON log line with tenant, the
 * principal's kind (key, token or anonymous) or why its credentials were refused, operation,
 * status, duration and outcome — never variables, event data, keys or tokens.
 */
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Authentication, Principal, RefusalReason } from '../auth/principal.js';
import { maskError } from '../errors/mask-error.js';
import { boundedLabel } from '../observability/bounded-label.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

interface RequestRecord {
  started: number;
  tenant?: string | undefined;
  principal?: Principal['kind'];
  refused?: RefusalReason;
  operation?: string;
  type?: string;
  errors?: number;
  codes?: string[];
}

function clientCodeOf(error: unknown): string {
  const masked = maskError(error, 'Unexpected error.') as { extensions?: { code?: unknown } };
  return String(masked.extensions?.code ?? 'ERROR');
}

/** The errors of a single result; none for a stream or a batch. */
function errorsOf(result: unknown): ReadonlyArray<{ extensions?: { code?: unknown } }> {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return [];
  const errors = (result as { errors?: unknown }).errors;
  return Array.isArray(errors) ? errors : [];
}

function outcomeOf(status: number, record: RequestRecord): 'ok' | 'error' | 'rejected' {
  if (status >= 500) return 'error';
  if (status >= 400 || record.codes?.includes('GRAPHQL_VALIDATION_FAILED')) return 'rejected';
  // Errors without an operation: the request was refused before one was parsed.
  if (record.errors && record.operation === undefined) return 'rejected';
  return record.errors ? 'error' : 'ok';
}

/** The request's log line: who (tenant and principal kind, or why refused), what, and how it went. */
function requestLine(method: string, path: string, status: number, record: RequestRecord) {
  return {
    msg: 'request',
    method,
    path,
    status,
    durationMs: Math.round((performance.now() - record.started) * 10) / 10,
    tenant: record.tenant,
    principal: record.principal,
    ...(record.refused ? { refused: record.refused } : {}),
    operation: record.operation,
    type: record.type,
    outcome: outcomeOf(status, record),
    ...(record.codes?.length ? { errorCodes: [...new Set(record.codes)] } : {}),
  };
}

export function useObservability(
  metrics: Metrics,
  logger: Logger,
  options: { graphql: string; principalOf: (request: Request) => Promise<Authentication> },
): Plugin {
  const records = new WeakMap<Request, RequestRecord>();
  // Operation names are the client's choice: bounded before they become labels or log fields.
  const operationLabel = boundedLabel();
  const recordOf = (context: unknown) => {
    const request = (context as { request?: Request } | undefined)?.request;
    return request ? records.get(request) : undefined;
  };
  return {
    onRequest({ request }) {
      // The tenant is known before anything is parsed (authentication settles before the
      // request is answered), so rejected requests are attributed too.
      const record: RequestRecord = { started: performance.now() };
      records.set(request, record);
      void options.principalOf(request).then(
        (authentication) => {
          if (authentication.ok) {
            record.tenant = authentication.principal.tenant;
            record.principal = authentication.principal.kind;
          } else record.refused = authentication.reason;
        },
        () => undefined,
      );
    },
    onValidate({ context, params }) {
      const record = recordOf(context);
      if (!record) return;
      const operation = getOperationAST(params.documentAST);
      record.operation = operationLabel(operation?.name?.value ?? 'anonymous');
      record.type = operation?.operation ?? 'unknown';
      return ({ result }) => {
        if (result.length === 0) return;
        record.errors = result.length;
        record.codes = ['GRAPHQL_VALIDATION_FAILED'];
        metrics.graphqlRequests.inc({
          operation: record.operation ?? 'anonymous',
          type: record.type ?? 'unknown',
          outcome: 'rejected',
        });
      };
    },
    onExecute({ args }) {
      const context = args.contextValue as { request?: Request; tenant?: string };
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      const name = operationLabel(operation?.name?.value ?? 'anonymous');
      const type = operation?.operation ?? 'unknown';
      const record = context.request ? records.get(context.request) : undefined;
      if (record) {
        record.operation = name;
        record.type = type;
      }
      const stop = metrics.graphqlDuration.startTimer({ operation: name, type });
      return {
        onExecuteDone({ result }) {
          stop();
          const errors = 'errors' in result && Array.isArray(result.errors) ? result.errors : [];
          metrics.graphqlRequests.inc({ operation: name, type, outcome: errors.length ? 'error' : 'ok' });
          if (record) {
            record.errors = errors.length;
            // The codes the client is answered with (errors are masked after this hook).
            record.codes = errors.map(clientCodeOf);
          }
        },
      };
    },
    onResultProcess({ request, result }) {
      // Refused before any operation was parsed (malformed JSON, a missing query): the
      // client's mistake, recorded with the codes it is answered with.
      const record = records.get(request);
      if (!record || record.operation !== undefined) return;
      const errors = errorsOf(result);
      if (errors.length === 0) return;
      record.errors = errors.length;
      record.codes = errors.map((error) => String(error.extensions?.code ?? 'ERROR'));
    },
    onResponse({ request, response }) {
      const record = records.get(request);
      if (!record) return;
      const url = new URL(request.url, 'http://gateway');
      if (url.pathname !== options.graphql && url.pathname !== `${options.graphql}/`) return;
      // Subscriptions over SSE are long-lived: their line is written when the response starts.
      const status = response.status;
      const line = requestLine(request.method, url.pathname, status, record);
      if (record.tenant !== undefined && record.principal)
        metrics.countOperation(record.tenant, record.principal, 'http');
      if (!record.operation && (status !== 200 || record.errors)) {
        metrics.graphqlRequests.inc({
          operation: 'none',
          type: 'none',
          outcome: outcomeOf(status, record),
        });
      }
      if (line.outcome === 'error') logger.warn(line);
      else logger.info(line);
    },
  };
}

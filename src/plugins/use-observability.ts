/**
 * Per-request metrics and logs. Every GraphQL operation is counted by name, type and outcome
 * and timed; every HTTP request to the gateway writes one JSON log line with tenant,
 * operation, status, duration and outcome — never variables, event data or keys.
 */
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

interface RequestRecord {
  started: number;
  tenant?: string;
  operation?: string;
  type?: string;
  errors?: number;
  codes?: string[];
}

function outcomeOf(status: number, errors: number | undefined): 'ok' | 'error' | 'rejected' {
  if (status >= 500) return 'error';
  if (status >= 400) return 'rejected';
  return errors ? 'error' : 'ok';
}

export function useObservability(metrics: Metrics, logger: Logger, paths: { graphql: string }): Plugin {
  const records = new WeakMap<Request, RequestRecord>();
  return {
    onRequest({ request }) {
      records.set(request, { started: performance.now() });
    },
    onExecute({ args }) {
      const context = args.contextValue as { request?: Request; tenant?: string };
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      const name = operation?.name?.value ?? 'anonymous';
      const type = operation?.operation ?? 'unknown';
      const record = context.request ? records.get(context.request) : undefined;
      if (record) {
        record.tenant = context.tenant;
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
            record.codes = errors.map((error) => String(error.extensions?.code ?? 'ERROR'));
          }
        },
      };
    },
    onResponse({ request, response }) {
      const record = records.get(request);
      if (!record) return;
      const url = new URL(request.url, 'http://gateway');
      if (url.pathname !== paths.graphql && url.pathname !== `${paths.graphql}/`) return;
      // Subscriptions over SSE are long-lived: their line is written when the response starts.
      const status = response.status;
      const line = {
        msg: 'request',
        method: request.method,
        path: url.pathname,
        status,
        durationMs: Math.round((performance.now() - record.started) * 10) / 10,
        tenant: record.tenant,
        operation: record.operation,
        type: record.type,
        outcome: outcomeOf(status, record.errors),
        ...(record.codes?.length ? { errorCodes: [...new Set(record.codes)] } : {}),
      };
      if (!record.operation && status !== 200) {
        metrics.graphqlRequests.inc({
          operation: 'none',
          type: 'none',
          outcome: outcomeOf(status, undefined),
        });
      }
      if (line.outcome === 'error') logger.warn(line);
      else logger.info(line);
    },
  };
}

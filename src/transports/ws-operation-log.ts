/**
 * One log line per operation over WebSocket, as HTTP requests get (src/plugins/use-observability.ts):
 * a query or mutation when it is answered; a subscription when it starts and when it ends.
 * `transport: "ws"`, tenant, the principal's kind (key, token or anonymous), operation (bounded, as metric labels are), type, duration,
 * outcome and the error codes the client got. Never variables, data or keys.
 */
import { type DocumentNode, type GraphQLError, getOperationAST } from 'graphql';
import type { Principal } from '../auth/principal.js';
import { boundedLabel } from '../observability/bounded-label.js';
import type { Logger } from '../observability/logger.js';

/** An error as sent: its code, if any, is in its extensions. */
interface CodedError {
  readonly extensions?: { readonly [key: string]: unknown } | undefined;
}

/** What a log line says of who called: never the key or the token. */
export type Caller = Pick<Principal, 'tenant' | 'kind'>;

interface OperationRecord {
  started: number;
  caller: Caller | null;
  operation: string;
  type: string;
  codes: string[];
}

type Outcome = 'ok' | 'error' | 'rejected';

export interface WsOperationLog {
  /** An operation arrived (after the connection's key was accepted); null: it did not parse. */
  started(
    connectionKey: object,
    id: string,
    caller: Caller | null,
    document: DocumentNode | null,
    operationName?: string | null,
  ): void;
  /** Its document was refused before it ran (parse, validation, a limit): logs it, returns the errors. */
  refuse(connectionKey: object, id: string, errors: readonly GraphQLError[]): readonly GraphQLError[];
  /** A subscription's stream began. */
  streaming(connectionKey: object, id: string): void;
  /** A result or an error was sent: its codes count for the line. */
  answered(connectionKey: object, id: string, errors: readonly CodedError[] | undefined): void;
  /** The operation is over (answered, completed, or its connection closed). */
  completed(connectionKey: object, id: string): void;
}

export function wsOperationLog(logger: Logger): WsOperationLog {
  const records = new WeakMap<object, Map<string, OperationRecord>>();
  const label = boundedLabel();
  const recordsOf = (key: object) => {
    const known = records.get(key);
    if (known) return known;
    const map = new Map<string, OperationRecord>();
    records.set(key, map);
    return map;
  };
  const line = (record: OperationRecord, extra: Record<string, unknown>) => ({
    msg: 'request',
    transport: 'ws',
    tenant: record.caller?.tenant,
    principal: record.caller?.kind,
    operation: record.operation,
    type: record.type,
    ...extra,
    ...(record.codes.length ? { errorCodes: [...new Set(record.codes)] } : {}),
  });
  return {
    started(key, id, caller, document, operationName) {
      const { operation, type } = describeOperation(document, operationName);
      recordsOf(key).set(id, {
        started: performance.now(),
        caller: caller && { tenant: caller.tenant, kind: caller.kind },
        operation: label(operation),
        type,
        codes: [],
      });
    },
    refuse(key, id, errors) {
      const record = recordsOf(key).get(id);
      if (!record) return errors;
      record.codes.push(
        ...errors.map((error) => String(error.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED')),
      );
      recordsOf(key).delete(id);
      logger.info(line(record, { durationMs: elapsed(record), outcome: 'rejected' satisfies Outcome }));
      return errors;
    },
    streaming(key, id) {
      const record = recordsOf(key).get(id);
      if (record?.type === 'subscription') logger.info(line(record, { phase: 'start' }));
    },
    answered(key, id, errors) {
      const record = recordsOf(key).get(id);
      if (record && errors?.length)
        record.codes.push(...errors.map((error) => String(error.extensions?.code ?? 'ERROR')));
    },
    completed(key, id) {
      const record = recordsOf(key).get(id);
      if (!record) return;
      recordsOf(key).delete(id);
      const outcome: Outcome = record.codes.length ? 'error' : 'ok';
      const fields = line(record, {
        ...(record.type === 'subscription' ? { phase: 'end' } : {}),
        durationMs: elapsed(record),
        outcome,
      });
      if (outcome === 'error') logger.warn(fields);
      else logger.info(fields);
    },
  };
}

function elapsed(record: OperationRecord): number {
  return Math.round((performance.now() - record.started) * 10) / 10;
}

/** The operation's name and type, as far as the document says. */
function describeOperation(
  document: DocumentNode | null,
  operationName?: string | null,
): { operation: string; type: string } {
  const operation = document ? getOperationAST(document, operationName ?? undefined) : null;
  return { operation: operation?.name?.value ?? 'anonymous', type: operation?.operation ?? 'unknown' };
}

/**
 * Durable consumers' delivery, transport-free: the in-flight ledger of one consumer and the
 * session behind one `consume` subscription. See README.md in this folder.
 */

export { ConsumeSession, type ConsumeSessionState } from './consume-session.js';
export {
  type AckReceiver,
  type ClosableSession,
  ConsumerSessions,
  type ConsumeSessionStats,
  LeaseSignals,
} from './consumer-sessions.js';
export {
  ackTimeoutReason,
  type ConsumerDelivery,
  ConsumerLedger,
  type ConsumerLedgerOptions,
  type NackAction,
} from './ledger.js';
export { retryDelayMs } from './retry-delay.js';
export {
  type ConsumerEventSource,
  type ConsumeSessionOptions,
  type DeliveryBatch,
  defaultSessionTiming,
  type SessionErrorPlace,
  type SessionErrorWhere,
  type SessionTiming,
  wallClock,
} from './session-parts.js';

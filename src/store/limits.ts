/**
 * Size limits of an append. They follow from DynamoDB's: a transaction holds at most 100
 * actions and 4 MB, an item at most 400 KB. An append writes three items per event (stream
 * event, log entry, event-id claim), its head, and the listing item when it creates the
 * stream, and shares its transaction with the tenant counter: 32 events is the most one
 * transaction can hold (3 * 32 + 3 = 99; 33 events would take 102).
 */
export interface StoreLimits {
  /** Events in one append (the contract promises at least 25). */
  maxEventsPerAppend: number;
  /** Bytes of JSON data and metadata of all events of one append together (at least 256 KiB). */
  maxAppendBytes: number;
  /** Streams (appends and conditions) in one appendToStreams (the contract promises at least 10). */
  maxStreamsPerCall: number;
  /** Characters of an event or snapshot type. */
  maxTypeLength: number;
  /** Characters of a stream name. */
  maxStreamNameLength: number;
  /** Characters of a category. */
  maxCategoryLength: number;
  /** Nesting depth of JSON data and metadata. */
  maxJsonDepth: number;
  /** Bytes of a snapshot's JSON data. */
  maxSnapshotBytes: number;
  /** Largest page a read returns. */
  maxPageSize: number;
  /** Page size when the caller gives none. */
  defaultPageSize: number;
}

export const defaultLimits: StoreLimits = {
  maxEventsPerAppend: 32,
  maxAppendBytes: 256 * 1024,
  maxStreamsPerCall: 10,
  maxTypeLength: 256,
  maxStreamNameLength: 1024,
  maxCategoryLength: 256,
  maxJsonDepth: 64,
  maxSnapshotBytes: 300 * 1024,
  maxPageSize: 1000,
  defaultPageSize: 100,
};

/** A filtered log read examines at most this many entries per page before returning what it has. */
export const maxLogEntriesExaminedPerRead = 10_000;

/** Actions in one TransactWriteItems call, and the bytes we allow it (DynamoDB: 4 MB). */
export const maxTransactionActions = 100;
export const maxTransactionBytes = 3.5 * 1024 * 1024;

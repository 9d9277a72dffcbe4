/**
 * The one way a tenant's reads reach DynamoDB. Each DynamoDB call of a read (a Query page, a
 * GetItem, a BatchGetItem) is paid from the tenant's read budget (a Query page also owes for
 * the items it examined beyond its first 100) (`read-budget.ts`: it may wait,
 * or be refused with RateLimitedError before any call) and runs within the tenant's share of
 * concurrent reads (`concurrency-limit.ts`). Failures become StoreUnavailableError.
 */
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { toStoreUnavailable } from './dynamo-errors.js';
import { type PageOptions, type QueryInput, queryPages, type SendQuery } from './dynamo-ops.js';
import type { Item } from './items.js';
import type { StoreLimits } from './limits.js';
import { defaultReadBudget, ReadBudget, type ReadBudgetPolicy, tokensOwed } from './read-budget.js';

export interface ReadGateOptions {
  /** Reads the tenant may have in flight in this process (default 16). */
  maxConcurrentReads?: number | undefined;
  /** Reads the tenant may make per second in this process (default: `defaultReadBudget`). */
  budget?: ReadBudgetPolicy | undefined;
  /** A read waited for the budget, or was refused. */
  onLimited?: (outcome: 'delayed' | 'refused') => void;
}

const defaultConcurrentReads = 16;

export class ReadGate {
  private readonly reads: ConcurrencyLimit;
  private readonly budget: ReadBudget;

  constructor(
    readonly client: DynamoDBClient,
    readonly table: string,
    options: ReadGateOptions = {},
  ) {
    this.reads = new ConcurrencyLimit(options.maxConcurrentReads ?? defaultConcurrentReads);
    this.budget = new ReadBudget(options.budget ?? defaultReadBudget, {
      onDelayed: () => options.onLimited?.('delayed'),
      onRefused: () => options.onLimited?.('refused'),
    });
  }

  /** A read, paid from this tenant's read budget, within its share of concurrent reads. */
  async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    await this.budget.spend();
    try {
      return await this.reads.run(call);
    } catch (error) {
      throw toStoreUnavailable(error, operation);
    }
  }

  /** One strongly consistent Query (one page), paid for like any read. */
  readonly query: SendQuery = async (input: QueryInput) => {
    const output = await this.send('Query', () =>
      this.client.send(new QueryCommand({ ...input, TableName: this.table, ConsistentRead: true })),
    );
    this.budget.owe(tokensOwed(output.ScannedCount ?? output.Items?.length ?? 0));
    return output;
  };

  /** A Query page by page (`queryPages`), each page paid for; stop iterating to send no more. */
  pages(input: Omit<QueryInput, 'ExclusiveStartKey'>, options?: PageOptions): AsyncGenerator<Item[]> {
    return queryPages(this.query, input, options);
  }
}

/** What a tenant's read needs: whose data, the limits its options are checked against, the gate. */
export interface ReadContext {
  tenant: string;
  limits: StoreLimits;
  gate: ReadGate;
}

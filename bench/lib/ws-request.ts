/** A query or mutation over a graphql-ws client's socket, beside its subscriptions (one connection). */
import type { Client } from 'graphql-ws';

/** Resolves with the result's data when the operation completes; GraphQL errors reject. */
export function request(client: Client, query: string, variables: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let data: unknown;
    client.subscribe(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) reject(new Error(JSON.stringify(result.errors).slice(0, 300)));
          else data = result.data;
        },
        error: reject,
        complete: () => resolve(data),
      },
    );
  });
}

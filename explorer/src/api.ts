/**
 * The explorer's GraphQL client: typed documents (explorer/generated/, from
 * explorer/operations/*.graphql) over plain fetch for queries and mutations, and over
 * graphql-ws for subscriptions, both with the credential as "Bearer <credential>".
 */
import { type Client, createClient } from 'graphql-ws';
import type { TypedDocumentString } from '../generated/graphql';

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string };
}

/** A request that got no data: the HTTP status (0: no answer) and the errors, in words. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** What a person reads for any failure: ApiError messages are written for people already. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const endpoint = '/graphql';

function authorization(credential: string | null): Record<string, string> {
  return credential ? { authorization: `Bearer ${credential}` } : {};
}

/** What a person reads when a request failed, by the gateway's error code. */
function explain(status: number, errors: GraphQLErrorShape[] | undefined): ApiError {
  const first = errors?.[0];
  const code = first?.extensions?.code ?? null;
  if (status === 401 || code === 'UNAUTHENTICATED') {
    return new ApiError(
      'The gateway did not accept this key or token: check it and enter it again.',
      status,
      code,
    );
  }
  if (status === 403 || code === 'FORBIDDEN') {
    return new ApiError(`Not allowed for this key or token: ${first?.message ?? 'forbidden'}`, status, code);
  }
  return new ApiError(first?.message ?? `The gateway answered HTTP ${status}.`, status, code);
}

export async function execute<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  credential: string | null,
): Promise<TResult> {
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...authorization(credential),
      },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch {
    throw new ApiError('The gateway did not answer: is it running?', 0, null);
  }
  const body = (await response.json().catch(() => ({}))) as {
    data?: TResult | null;
    errors?: GraphQLErrorShape[];
  };
  if (!response.ok || body.errors?.length || !body.data) throw explain(response.status, body.errors);
  return body.data;
}

export interface SubscriptionSink<TResult> {
  next(data: TResult): void;
  error(error: ApiError): void;
  complete?(): void;
}

let socket: { client: Client; credential: string | null } | null = null;

/** One graphql-ws connection per credential, opened on the first subscription. */
function wsClient(credential: string | null): Client {
  if (socket?.credential === credential) return socket.client;
  socket?.client.dispose();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${endpoint}`;
  const client = createClient({ url, lazy: true, connectionParams: authorization(credential) });
  socket = { client, credential };
  return client;
}

/** Subscribes; returns the function that ends the subscription. */
export function subscribe<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  credential: string | null,
  sink: SubscriptionSink<TResult>,
): () => void {
  return wsClient(credential).subscribe<TResult>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (value) => {
        if (value.errors?.length) sink.error(explain(200, value.errors as GraphQLErrorShape[]));
        else if (value.data) sink.next(value.data);
      },
      error: (error) => {
        const errors = Array.isArray(error) ? (error as GraphQLErrorShape[]) : undefined;
        const closed =
          error instanceof CloseEvent ? `The connection closed (${error.code} ${error.reason}).` : null;
        sink.error(closed ? new ApiError(closed, 0, null) : explain(200, errors));
      },
      complete: () => sink.complete?.(),
    },
  );
}

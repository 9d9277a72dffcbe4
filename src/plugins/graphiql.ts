/**
 * What GraphiQL shows a newcomer at http://localhost:4000/graphql: the README's tour, one tab
 * per step, meant to be run in order on a fresh tenant: append (which makes `order-1` a
 * versioned stream), read, subscribe, and append again with the version the first left, which
 * the subscription then shows.
 */

const keyHint = `# With API keys: put yours in the Headers tab below ("Authorization": "Bearer <key>"),
# then re-fetch the schema (Shift-Ctrl-R).`;

export const graphiqlTabs: readonly { readonly query: string }[] = [
  {
    query: `# Welcome to eventloom. Run the tabs in order, as the README's tour does.
${keyHint}
# expectedVersion: 0 creates the stream versioned: later appends say the version they expect.
mutation Append {
  appendEvents(
    input: {
      stream: { name: "order-1", category: "order" }
      expectedVersion: 0
      events: [{ type: "OrderPlaced", data: { total: 42, currency: "EUR" } }]
    }
  ) {
    __typename
    ... on AppendEventsSuccess {
      stream { id name version }
      events { id version position recordedAt }
    }
    ... on Error { message }
  }
}
`,
  },
  {
    query: `${keyHint}
query Read {
  stream(ref: { name: "order-1", category: "order" }) {
    id
    name
    category
    version
    versioned
    events(first: 10) {
      edges { node { version type data recordedAt } }
    }
  }
  head
  events(after: 0, first: 100, filter: { categories: ["order"] }) {
    edges { node { position type stream { name version } } }
    pageInfo { hasNextPage }
    lastPosition
  }
}
`,
  },
  {
    query: `${keyHint}
# Runs until you stop it, or switch tabs. Keep it open and append from a second
# GraphiQL window (tab 4 there) or with curl: the event arrives here.
subscription Follow {
  events(filter: { categories: ["order"] }) {
    position
    type
    data
    stream { name version }
  }
}
`,
  },
  {
    query: `${keyHint}
# The stream is at version 1 after tab 1: a wrong expectedVersion is a typed WrongExpectedVersionError.
mutation AppendAgain {
  appendEvents(
    input: {
      stream: { name: "order-1", category: "order" }
      expectedVersion: 1
      events: [{ type: "OrderPaid", data: { amount: 42 } }]
    }
  ) {
    __typename
    ... on AppendEventsSuccess { events { version position } }
    ... on WrongExpectedVersionError { expectedVersion actualVersion message }
    ... on Error { message }
  }
}
`,
  },
];

/** GraphiQL's options: the title, the tour's tabs, and where the API key goes when one is needed. */
export function graphiqlOptions(keyRequired: boolean) {
  const headers = keyRequired
    ? JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2)
    : undefined;
  return {
    title: 'eventloom',
    defaultQuery: graphiqlTabs[0]?.query ?? '',
    defaultTabs: graphiqlTabs.map((tab) => ({ query: tab.query, ...(headers ? { headers } : {}) })),
    ...(headers ? { headers } : {}),
  };
}

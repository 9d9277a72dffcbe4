/** What GraphiQL shows a newcomer at http://localhost:4000/graphql: an append, then reads. */
export const graphiqlDefaultQuery = `# Welcome to eventloom. Run "Append", then "Read" (▶ asks which).

mutation Append {
  appendEvents(
    input: {
      stream: { name: "order-1", category: "order" }
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

query Read {
  stream(ref: { name: "order-1", category: "order" }) {
    id
    name
    category
    version
    events(first: 10) {
      edges { node { version type data recordedAt } }
    }
  }
  head
  events(first: 10) {
    edges { node { position type stream { name category } } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

/** GraphiQL's options: the title, the query above, and where the API key goes when one is needed. */
export function graphiqlOptions(keyRequired: boolean) {
  return {
    title: 'eventloom',
    defaultQuery: graphiqlDefaultQuery,
    ...(keyRequired ? { headers: JSON.stringify({ Authorization: 'Bearer <your API key>' }) } : {}),
  };
}

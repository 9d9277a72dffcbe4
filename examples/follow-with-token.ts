// Follow the log with short-lived tokens (JWTs): the gateway closes the socket with 4403 when
// the token expires; connect again with a fresh token and resume `after` the last position.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws'; // Node; browsers have WebSocket built in

// Your identity provider's SDK: Auth0's getAccessTokenSilently(), Amplify's
// fetchAuthSession(), keycloak-js' updateToken() and `token`...
async function getFreshToken(): Promise<string> {
  const response = await fetch('https://your-app.example/api/token', { credentials: 'include' });
  return ((await response.json()) as { accessToken: string }).accessToken;
}

interface Event {
  position: number;
  type: string;
}

let after = 0; // the last position received: keep it (e.g. in localStorage) to survive a reload
for (;;) {
  // One client per token: graphql-ws would resubscribe with the old `after` on its own retries.
  const client = createClient({
    url: 'ws://localhost:4000/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${await getFreshToken()}` },
    retryAttempts: 0,
  });
  try {
    for await (const result of client.iterate<{ events: Event }>({
      query: 'subscription ($after: Position) { events(after: $after) { position type } }',
      variables: { after },
    })) {
      if (!result.data) throw new Error(result.errors?.[0]?.message ?? 'no data');
      console.log(result.data.events.position, result.data.events.type);
      after = result.data.events.position;
    }
    // Completed: the gateway is shutting down (a 1001 close follows); resume elsewhere.
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // 4403: the token expired (or was refused); 1001/1006: the gateway went away.
    if (code !== 4403 && code !== 1001 && code !== 1006) throw error;
  } finally {
    await client.dispose();
  }
  await new Promise((resolve) => setTimeout(resolve, 1000)); // no tight loop on a refused token
}

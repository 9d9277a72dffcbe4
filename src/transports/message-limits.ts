/**
 * The first message on a WebSocket is `connection_init`, sent before the key is checked: it
 * may hold at most `maxBytes` (64 KiB by default), or the socket is closed with 1009 before
 * graphql-ws parses it. Later messages, from a connection whose key was accepted, may be as
 * large as an HTTP body (the server's `maxPayload`).
 *
 * A message above `maxPayload`, or a frame that breaks the protocol, is the client's doing: ws
 * closes the socket itself (1009, 1002, ...) and then emits an `error`, which graphql-ws would
 * print with its stack to stderr as an internal error. Those errors (codes `WS_ERR_*`) go to
 * `onClientError` instead.
 *
 * graphql-ws' adapter subscribes to the socket's `message` and `error` events itself; the checks
 * sit in front of it by wrapping the socket's `emit`, which is where ws delivers each event.
 */
import type { WebSocket } from 'ws';

export const defaultConnectionInitMaxBytes = 64 * 1024;
export const messageTooBig = 1009;

function sizeOf(data: unknown): number {
  if (Buffer.isBuffer(data)) return data.length;
  if (Array.isArray(data)) return data.reduce((sum: number, part: Buffer) => sum + part.length, 0);
  if (data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}

/** An error ws raises for what the peer sent; ws has already closed the socket for it. */
function isClientProtocolError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('WS_ERR_');
}

export function limitMessages(
  socket: WebSocket,
  onClientError: (error: unknown) => void = () => {},
  maxBytes = defaultConnectionInitMaxBytes,
): void {
  const emit = socket.emit.bind(socket);
  let first = true;
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'error' && isClientProtocolError(args[0])) {
      onClientError(args[0]);
      return true;
    }
    if (event === 'message' && first) {
      first = false;
      if (sizeOf(args[0]) > maxBytes) {
        socket.close(messageTooBig, 'connection_init too large');
        return false;
      }
    }
    return emit(event, ...args);
  }) as typeof socket.emit;
}

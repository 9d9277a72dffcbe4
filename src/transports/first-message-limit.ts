/**
 * The first message on a WebSocket is `connection_init`, sent before the key is checked: it
 * may hold at most `maxBytes` (64 KiB by default), or the socket is closed with 1009 before
 * graphql-ws parses it. Later messages, from a connection whose key was accepted, may be as
 * large as an HTTP body (the server's `maxPayload`).
 *
 * graphql-ws' adapter subscribes to the socket's `message` events itself; the check sits in
 * front of it by wrapping the socket's `emit`, which is where ws delivers each message.
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

export function limitFirstMessage(socket: WebSocket, maxBytes = defaultConnectionInitMaxBytes): void {
  const emit = socket.emit.bind(socket);
  let first = true;
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
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

/**
 * Socket reads into buffers the reader chooses (net.Socket `onread`) for an accepted connection.
 * net.Server has no `onread` option: its sockets read into a fresh 64 KiB buffer per read, which
 * for 1 MiB WRITEs is garbage plus a copy into the reassembled frame (framed-reader.ts). So the
 * listener is created with `pauseOnConnect` (the accepted socket never reads), and its handle
 * moves to a new Socket built with `onread`. The accepted object is then released without closing
 * the handle: the listener's connection count drops, so `server.close()` no longer waits for this
 * connection; its owner waits for and closes it (RpcServer, the SMB adapter). Node calls
 * `onread.buffer` once while building the socket, so what it returns must be ready before.
 */
import { type OnReadOpts, Socket, type SocketConstructorOpts } from "node:net";

/** The parts of an accepted socket this relies on (not in @types/node). */
interface AcceptedSocket {
  _handle: unknown;
}

export function readInto(accepted: Socket, onread: OnReadOpts): Socket {
  const internal = accepted as unknown as AcceptedSocket;
  const handle = internal._handle;
  if (handle === null || handle === undefined) throw new Error("socket has no handle (already closed)");
  const live = new Socket({ handle: handle as SocketConstructorOpts["handle"], onread });
  internal._handle = null;
  accepted.destroy();
  return live;
}

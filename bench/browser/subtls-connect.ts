// One subtls connection through the TLS Lens bridge, for the bench's subtls Worker and cold page.
import { startTls, WebSocketReadQueue, type RootCertsDatabase } from 'subtls';
import { BRIDGE_SUBPROTOCOL } from '../../src/transport/bridge-protocol.ts';

/** One connection through the bridge: the WebSocket opened, the handshake done; read and write for the caller. */
export async function subtlsConnect(url: string, serverName: string, rootsDb: RootCertsDatabase) {
  const ws = new WebSocket(url, BRIDGE_SUBPROTOCOL);
  ws.binaryType = 'arraybuffer';
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onclose = (e) => reject(new Error(`the bridge closed the WebSocket: ${e.code} ${e.reason}`));
  });
  ws.onclose = null;
  const queue = new WebSocketReadQueue(ws);
  const tls = await startTls(serverName, rootsDb, queue.read.bind(queue), (d) => ws.send(d as Uint8Array<ArrayBuffer>));
  return { ...tls, ws };
}

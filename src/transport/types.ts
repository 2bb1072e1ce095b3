// A duplex byte stream: the only thing the engine knows about the network.
// Implementations: TCP (Node, src/transport/tcp.ts), WebSocket via the bridge (browser),
// and an in-memory pair for tests (src/transport/memory.ts).

export interface Transport {
  /** Send bytes. Resolves when the bytes were handed to the underlying stream. */
  write(data: Uint8Array): Promise<void>;
  /**
   * Next chunk of received bytes, or null at end of stream (peer closed).
   * Rejects on a transport error (reset, refused, ...). The chunk is handed over for good: the
   * transport never writes into it again (the record layer and the trace keep views of it).
   */
  read(): Promise<Uint8Array | null>;
  /** Close our sending side and release the stream. */
  close(): Promise<void>;
  /**
   * Optional, for a transport that gathers a flight's writes into one message until the engine reads or closes
   * (WebSocketTransport): send what it holds now. The engine calls it when its flight ends with no read after it
   * (a client's handshake ends with its own Finished).
   */
  flush?(): void;
}

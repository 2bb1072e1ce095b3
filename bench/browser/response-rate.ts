// The throughput both bench workers measure the same way: send one request, read the response to its end.

interface Connection {
  write(data: Uint8Array): Promise<unknown>;
  read(): Promise<Uint8Array | null | undefined>;
}

/** MB/s of the response to `request`, timed from the write to the last byte. */
export async function responseRate(conn: Connection, request: string): Promise<number> {
  const t1 = performance.now();
  await conn.write(new TextEncoder().encode(request));
  let bytes = 0;
  for (let d = await conn.read(); d; d = await conn.read()) bytes += d.length;
  return bytes / 1e6 / ((performance.now() - t1) / 1000);
}

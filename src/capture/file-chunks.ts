// A capture file read in large blocks into two reused buffers (Node only: the CLI and the benchmarks), as the
// capture readers' ByteChunks: each block is valid until the next is asked for (chunk-reader.ts), so reading
// allocates nothing per byte, and the next block is read while the current one is decoded.
import fs from 'node:fs/promises';

/** Large enough that few packets straddle two blocks; two of them are all the memory reading takes. */
const BLOCK_SIZE = 1 << 20;

export async function* fileChunks(path: string, blockSize = BLOCK_SIZE): AsyncGenerator<Uint8Array> {
  const file = await fs.open(path, 'r');
  const buffers = [new Uint8Array(blockSize), new Uint8Array(blockSize)];
  let which = 0;
  let reading = file.read(buffers[which], 0, blockSize, null);
  try {
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) return;
      const block = buffers[which];
      which ^= 1;
      // The buffer the reader finished with (the block before this one) is read into meanwhile.
      reading = file.read(buffers[which], 0, blockSize, null);
      yield block.subarray(0, bytesRead);
    }
  } finally {
    await reading.catch(() => undefined);
    await file.close();
  }
}

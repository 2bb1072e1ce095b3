// Failures reading a capture file: a stable code, plain words, and the byte offset in the file where it happened.
export type CaptureErrorCode =
  | 'WRONG_MAGIC'
  | 'TRUNCATED'
  | 'ABSURD_LENGTH'
  | 'CORRUPT'
  | 'UNSUPPORTED';

export class CaptureError extends Error {
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    /** Offset in the file of the structure that is wrong. */
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'CaptureError';
  }
}

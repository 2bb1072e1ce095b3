// Failing the same way in every version: anything thrown becomes an engine error with a code, our alert goes
// out (when there is one to send), and a peer that hung up gets a last look for the alert that says why.
import type { Emit } from '../../trace/recorder.ts';
import type { Side } from '../../trace/types.ts';
import { TlsError, describeFailure, fail } from '../errors.ts';
import { ContentType } from '../messages/constants.ts';
import { AlertDescription, AlertLevel, TlsAlertError, alertName } from '../record/alerts.ts';
import type { RecordChannel } from './channel.ts';
import type { MessageReader } from './message-reader.ts';

/** Send an alert (and trace it). Best effort: the connection may already be gone. */
export async function sendAlert(channel: RecordChannel, emit: Emit, description: number, level: 'warning' | 'fatal', from: Side = 'client'): Promise<void> {
  try {
    const records = await channel.write(ContentType.alert, Uint8Array.of(AlertLevel[level], description));
    emit({ kind: 'alert', direction: from, level, description, name: alertName(description), record: records[0] });
  } catch {
    // Nothing more to tell a peer we cannot reach.
  }
}

/** Our reason to stop: user_canceled as a warning followed by close_notify (RFC 8446 §6.1), any other alert fatal. */
export async function sendOurAlert(channel: RecordChannel, emit: Emit, description: number, from: Side = 'client'): Promise<void> {
  if (description === AlertDescription.user_canceled) {
    await sendAlert(channel, emit, description, 'warning', from);
    await sendAlert(channel, emit, AlertDescription.close_notify, 'warning', from);
  } else await sendAlert(channel, emit, description, 'fatal', from);
}

/** The end of a failed handshake, either side: the error in the trace, then the connection closed. */
export async function closeAfterFailure(channel: RecordChannel, emit: Emit, err: TlsAlertError | TlsError): Promise<void> {
  const { code, message } = describeFailure(err);
  emit({ kind: 'error', code, message });
  await channel.close();
  emit({ kind: 'connection', phase: 'closed', detail: code });
}

/** Read what is left for an alert the peer sent before closing (bounded in time). */
export async function peerAlert(reader: MessageReader): Promise<TlsError | null> {
  const look = (async () => {
    try {
      for (let i = 0; i < 16; i++) {
        const item = await reader.nextAny();
        // A user_canceled is passed over when read; what ended the connection after it is the cancel.
        if (item === null) return reader.canceled('end of stream');
        if ('kind' in item && item.kind === 'close-notify') return reader.canceled('close_notify');
      }
    } catch (e) {
      if (e instanceof TlsError && e.receivedAlert) return e;
    }
    return null;
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 500)));
  return Promise.race([look, timeout]).finally(() => clearTimeout(timer));
}

/** Anything thrown that is not ours becomes internal_error (still with an alert and a code). */
export function toEngineError(e: unknown): TlsAlertError | TlsError {
  if (e instanceof TlsAlertError || e instanceof TlsError) return e;
  return fail.internal(`internal error: ${(e as Error)?.message ?? String(e)}`);
}

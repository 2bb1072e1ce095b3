// The record layer's public surface.
export * from './alerts.ts';
export * from './content-types.ts';
export { RecordReader, type RawRecord } from './framing.ts';
export type { OpenedRecord, ProtectionDetails, RecordProtector, SealedRecord } from './protector.ts';
export { Tls13RecordProtector } from './tls13-protector.ts';
export { RecordLayer, type ReceivedRecord, type RecordLayerOptions, type WriteOptions } from './record-layer.ts';
export { plaintextRecordFields, protectedRecordFields, versionName } from './record-fields.ts';

// Small display helpers shared by the views.
import { terminalSafe } from '../util/terminal-safe.ts';

/**
 * A name from outside (a file's name, a name in a trace) as the page shows it: control characters and the
 * bidirectional overrides and isolates written out as \uXXXX (as the CLI prints them), so a name cannot turn the
 * words around it the other way or hide part of itself.
 */
export function shownName(name: string): string {
  return terminalSafe(name);
}

/** Split a hex string into byte pairs lazily: byte i is hex.slice(2i, 2i+2). */
export function byteAt(hex: string, i: number): string {
  return hex.slice(2 * i, 2 * i + 2);
}

export function byteLength(hex: string): number {
  return hex.length >>> 1;
}

/** Shorten long hex for one-line display, keeping both ends. */
export function shortHex(hex: string, max = 48): string {
  if (hex.length <= max) return hex;
  return `${hex.slice(0, max / 2)}…${hex.slice(-max / 4)} (${hex.length / 2} bytes)`;
}

/** The record nonce per RFC 8446 §5.3: the IV XOR the sequence number, left-padded to the IV length. */
export function nonceFromIv(ivHex: string, seq: number): string {
  const n = ivHex.length / 2;
  const out: string[] = [];
  let s = BigInt(seq);
  const seqBytes: number[] = new Array(n).fill(0);
  for (let i = n - 1; i >= 0 && s > 0n; i--) {
    seqBytes[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  for (let i = 0; i < n; i++) out.push((parseInt(ivHex.slice(2 * i, 2 * i + 2), 16) ^ seqBytes[i]).toString(16).padStart(2, '0'));
  return out.join('');
}

export function printable(hex: string): string {
  let s = '';
  for (let i = 0; i < hex.length; i += 2) {
    const c = parseInt(hex.slice(i, i + 2), 16);
    s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
  }
  return s;
}

export function hexToText(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

export function sideName(side: 'client' | 'server' | null): string {
  return side === 'client' ? 'Client' : side === 'server' ? 'Server' : '';
}

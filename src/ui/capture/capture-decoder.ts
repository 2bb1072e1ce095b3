// The capture decoder as the page uses it, in one module the page loads only when a capture, pasted hex or a pcapng
// download is asked for: the first screen never needs it (it pulls in the TLS decoder and the certificate code).
export { decodePastedText } from '../../capture/pasted.ts';
export { exportPcapng } from '../../capture/pcapng-writer.ts';
export { importCapture } from '../../capture/import.ts';
export { listingOf } from '../../capture/session.ts';
export { CAPTURE_APP_DATA_WINDOW } from '../../capture/tls-decoder.ts';

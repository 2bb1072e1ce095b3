// The page's handle on the engine worker: sends commands, feeds trace events into the store.
import type { ConnectRequest, FromWorker, RunMode, ToWorker } from '../worker/messages.ts';
import { useTrace } from './store.ts';

import { sessionAnchors } from './session.ts';

let worker: Worker | null = null;
let lastRequest: ConnectRequest | null = null;

function ensureWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('../worker/engine.worker.ts', import.meta.url), { type: 'module', name: 'tls-lens-engine' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    const s = useTrace.getState();
    s.setError(`The engine stopped unexpectedly: ${e.message || 'worker error'}`);
    s.setStatus('failed');
  };
  return worker;
}

function post(msg: ToWorker) {
  ensureWorker().postMessage(msg);
}

function onMessage(msg: FromWorker) {
  const s = useTrace.getState();
  switch (msg.type) {
    case 'events':
      s.append(msg.events);
      break;
    case 'status':
      s.setStatus(msg.status, msg.detail);
      if (msg.status !== 'paused') s.setPause(undefined);
      break;
    case 'paused':
      s.setPause({ breakpoint: msg.breakpoint, detail: msg.detail });
      s.setStatus('paused', msg.detail);
      break;
    case 'resumed':
      s.setPause(undefined);
      s.setStatus('connecting');
      break;
    case 'error':
      s.setError(msg.message);
      break;
    case 'summary':
      useTrace.setState({ summary: msg.summary });
      break;
  }
}

export const engine = {
  connect(request: ConnectRequest) {
    // A fresh worker per connection: nothing from an earlier session can leak into this one.
    worker?.terminate();
    worker = null;
    lastRequest = request;
    const s = useTrace.getState();
    s.reset('live', request.scenario ? `scenario ${request.scenario}` : request.target);
    s.setStatus('connecting', 'opening the bridge');
    s.setShowConnect(false);
    post({ type: 'connect', request });
  },
  /** Connect again with the same request and the session's current trust anchors. */
  reconnect() {
    if (!lastRequest) return;
    const anchors = [...new Set([...lastRequest.anchorsPem, ...sessionAnchors()])];
    engine.connect({ ...lastRequest, anchorsPem: anchors });
  },
  continueRun(mode: RunMode) {
    useTrace.setState({ follow: true });
    post({ type: 'continue', mode });
  },
  abort() {
    post({ type: 'abort' });
  },
  clientCert(choice: 'lab' | 'decline') {
    post({ type: 'client-cert', choice });
  },
  send(text: string) {
    post({ type: 'send', text });
  },
  keyUpdate(requestPeer: boolean) {
    post({ type: 'key-update', requestPeer });
  },
  renegotiate() {
    post({ type: 'renegotiate' });
  },
  close() {
    post({ type: 'close' });
  },
  get running() {
    return worker !== null;
  },
};

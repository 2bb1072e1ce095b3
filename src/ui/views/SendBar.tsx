// Once the handshake is done: send a line of application data (e.g. an HTTP request).
import { memo, useState } from 'react';
import { useTrace } from '../store.ts';
import { engine } from '../worker-client.ts';

export const SendBar = memo(function SendBar() {
  const status = useTrace((s) => s.status);
  const source = useTrace((s) => s.source);
  const [text, setText] = useState('GET / HTTP/1.0\\r\\n\\r\\n');
  if (source !== 'live' || status !== 'connected') return null;
  return (
    <form
      className="sendbar"
      onSubmit={(e) => {
        e.preventDefault();
        // Written escapes become real line ends, so a request can be typed on one line.
        engine.send(text.replace(/\\r\\n|\\n/g, '\r\n'));
      }}
    >
      <label>
        Send application data <input value={text} onChange={(e) => setText(e.target.value)} size={40} data-testid="send-input" />
      </label>
      <button type="submit" data-testid="send-button">Send</button>
    </form>
  );
});

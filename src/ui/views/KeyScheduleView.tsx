// The key schedule as a tree: each derivation under the secret it came from, with the real
// values of this connection and, for each transcript hash used, the messages it covered.
import { useEffect, useRef } from 'react';
import type { KeyScheduleEvent, TraceEvent, TranscriptEvent } from '../../trace/types.ts';
import { currentIndex, useTrace } from '../store.ts';
import { shortHex } from '../format.ts';

interface KeyNode {
  event: KeyScheduleEvent;
  children: KeyNode[];
}

/** Link each derivation to the one whose output it took as input (the newest such). */
export function buildKeyTree(events: TraceEvent[], upTo: number): { roots: KeyNode[]; transcripts: Map<string, TranscriptEvent> } {
  const roots: KeyNode[] = [];
  const byOutput = new Map<string, KeyNode>();
  const transcripts = new Map<string, TranscriptEvent>();
  for (let i = 0; i <= upTo && i < events.length; i++) {
    const e = events[i];
    if (e.kind === 'transcript') transcripts.set(e.value, e);
    if (e.kind !== 'key') continue;
    const node: KeyNode = { event: e, children: [] };
    const parent = e.inputs.map((inp) => byOutput.get(inp.value)).find((n) => n && n.event.hash === e.hash);
    (parent ? parent.children : roots).push(node);
    byOutput.set(e.output, node);
  }
  return { roots, transcripts };
}

export function KeyScheduleView() {
  useTrace((s) => s.revision);
  const cursor = useTrace((s) => s.cursor);
  const section = useRef<HTMLElement>(null);
  // A step's new derivations are often far down the tree (the application secrets, a KeyUpdate's next generation):
  // bring the first of them into view when the step changes or the panel opens, not the tree's top every time.
  useEffect(() => {
    const fresh = section.current?.querySelector('.keynode.fresh');
    fresh?.scrollIntoView({ block: 'start' });
  }, [cursor]);
  const state = useTrace.getState();
  const upTo = currentIndex(state);
  const { roots, transcripts } = buildKeyTree(state.events, upTo);
  // Derivations made since the previous step are marked as new at this step.
  const row = state.rows[state.cursor];
  const freshAfter = row ? row.event - 1 : -1;
  if (roots.length === 0) return <p className="empty">No keys derived yet at this step.</p>;
  return (
    <section aria-label="Key schedule" className="keys" ref={section}>
      <p className="muted">Every derivation up to the current step; each sits under the secret it was derived from. Values are this connection's.</p>
      <ul className="keytree" data-testid="keytree">
        {roots.map((n) => (
          <KeyItem key={n.event.index} node={n} transcripts={transcripts} events={state.events} freshAfter={freshAfter} />
        ))}
      </ul>
    </section>
  );
}

function KeyItem({ node, transcripts, events, freshAfter }: { node: KeyNode; transcripts: Map<string, TranscriptEvent>; events: TraceEvent[]; freshAfter: number }) {
  const e = node.event;
  const t = e.context ? transcripts.get(e.context) : undefined;
  const jumpTo = (eventIndex: number) => {
    const s = useTrace.getState();
    const row = s.rows.findIndex((r) => r.event === eventIndex);
    if (row >= 0) s.setCursor(row);
    s.setPanel('inspector');
  };
  return (
    <li>
      <div className={e.index > freshAfter ? 'keynode fresh' : 'keynode'} data-key={e.name} data-testid={`key-${e.name}`}>
        <div>
          <strong>{e.name}</strong>
          {e.index > freshAfter && <span className="badge">new at this step</span>} <span className="muted">= {e.op}{e.label ? `(“${e.label}”)` : ''} · {e.hash}</span>
        </div>
        {e.inputs.length > 0 && (
          <div className="inputs">
            {e.inputs.map((inp, i) => (
              <span key={i}>
                {inp.name}: <code>{shortHex(inp.value, 32)}</code>
              </span>
            ))}
          </div>
        )}
        {e.context !== undefined && (
          <div className="context">
            context: <code>{shortHex(e.context, 32)}</code>
            {t ? (
              <span>
                {' '}= {t.hash}(
                {t.messages.map((m, i) => (
                  <span key={m}>
                    {i > 0 && ' ‖ '}
                    <button type="button" className="link" onClick={() => jumpTo(m)}>
                      {t.covers[i] ?? (events[m] as { name?: string })?.name ?? `#${m}`}
                    </button>
                  </span>
                ))}
                )
              </span>
            ) : e.context === '' ? (
              ' (empty)'
            ) : null}
          </div>
        )}
        <div className="output">
          output: <code className="keyvalue">{e.output}</code>
        </div>
      </div>
      {node.children.length > 0 && (
        <ul>
          {node.children.map((c) => (
            <KeyItem key={c.event.index} node={c} transcripts={transcripts} events={events} freshAfter={freshAfter} />
          ))}
        </ul>
      )}
    </li>
  );
}

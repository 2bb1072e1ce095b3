// "Both sides": our client and our server in the page (one worker, joined in memory; no bridge, no network), the
// server set up as a teacher would, then one ladder with each message's writer and reader, and the two key
// schedules side by side with each pair of secrets compared.
import { useEffect, useState } from 'react';
import { useBothSides } from './both-store.ts';
import { ServerOptionsForm } from './BothSidesForm.tsx';
import { Actions, Outcome, Pauses } from './BothSidesRun.tsx';
import { Ladder, Secrets } from './BothSidesLadder.tsx';
import { ServerApi, StepApi } from './BothSidesApi.tsx';
import './both-sides.css';

export function BothSidesView() {
  // The person reads the form before running: the two workers load their engines meanwhile.
  useEffect(() => useBothSides.getState().prepare(), []);
  // The ladder row whose calls are shown; a new run starts at its first.
  const [step, setStep] = useState<number | null>(null);
  const request = useBothSides((s) => s.request);
  useEffect(() => setStep(null), [request]);
  return (
    <div className="both-sides" data-testid="both-sides">
      <h2>Both sides in this page</h2>
      <p className="muted">
        Our client and our server run here, joined in memory: no bridge, no network. The server’s certificate comes from a throwaway root made in this page, which the client trusts.
      </p>
      <ServerOptionsForm />
      <Outcome />
      <Pauses />
      <Actions />
      <Ladder step={step} onStep={setStep} />
      <StepApi step={step} onStep={setStep} />
      <Secrets />
      <ServerApi />
    </div>
  );
}

export default BothSidesView;

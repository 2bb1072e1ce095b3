// The hidden file input behind an "Open a trace" button: one JSON trace file, handed over as picked (the input is
// emptied so the same file can be picked again).
import type { Ref } from 'react';

export function TraceFileInput({ inputRef, label, testId, onFile }: { inputRef: Ref<HTMLInputElement>; label: string; testId: string; onFile: (file: File) => void }) {
  return (
    <input
      ref={inputRef}
      type="file"
      accept=".json,application/json"
      hidden
      aria-label={label}
      data-testid={testId}
      onChange={(e) => {
        const f = e.target.files?.[0];
        e.target.value = '';
        if (f) onFile(f);
      }}
    />
  );
}

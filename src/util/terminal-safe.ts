// Text from peers and files (a certificate's name, a server name, a STARTTLS line, an error that quotes either)
// reaches every command's text output and the page. Printed raw, its control characters could move the cursor, erase
// a line, retitle the window or turn text around, and so print a fake verdict over the real one.

/** Colour sequences (SGR: ESC [ ... m), the only escapes our own output writes. */
const COLOUR = '\\x1b\\[[0-9;]*m';
/** C0 controls but the tab, DEL, C1 controls, and the bidirectional embeddings, overrides and isolates. */
const UNSAFE = '[\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]';
const UNSAFE_OR_COLOUR = new RegExp(`${COLOUR}|${UNSAFE}`, 'g');
const UNSAFE_ONLY = new RegExp(UNSAFE, 'g');

const escaped = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * One line as a terminal may show it: every unsafe character written as \uXXXX. With `keepColour` (the command
 * colours its output), colour sequences stay; any other escape is written out like the rest.
 */
export function terminalSafe(line: string, keepColour = false): string {
  if (!keepColour) return line.replace(UNSAFE_ONLY, escaped);
  return line.replace(UNSAFE_OR_COLOUR, (m) => (m.length > 1 ? m : escaped(m)));
}

/** Text of several lines: its line ends kept, each line made safe. */
export function terminalSafeLines(text: string, keepColour = false): string {
  return text
    .split('\n')
    .map((line) => terminalSafe(line, keepColour))
    .join('\n');
}

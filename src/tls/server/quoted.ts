// A string the client chose (its server_name, its ALPN protocols), quoted for the server's notes and errors:
// control characters escaped, so that printing the trace never hands a terminal the client's escape sequences.

/** `s` in double quotes, with C0 and C1 control characters and DEL written as \uXXXX. */
export function quoted(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

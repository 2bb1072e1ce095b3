// Small helpers for the plain-words messages the engine and the decoders write.

/** "an alert", "a handshake", "an Unknown": the article a word takes, by its first letter. */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

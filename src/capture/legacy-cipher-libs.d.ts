// The parts of crypto-js and des.js that legacy-cipher-libs.ts uses (neither package ships its own types).
declare module 'crypto-js/core.js' {
  interface WordArray {
    words: number[];
    sigBytes: number;
  }
  interface StreamCipher {
    /** Processes whole words (4 bytes) at once, keeping the rest until the next call; RC4's state runs on. */
    process(data: WordArray): WordArray;
  }
  const CryptoJS: {
    lib: { WordArray: { create(words: number[], sigBytes: number): WordArray } };
    algo: { RC4: { createEncryptor(key: WordArray): StreamCipher } };
  };
  export default CryptoJS;
  export type { WordArray, StreamCipher };
}
declare module 'crypto-js/rc4.js';
declare module 'des.js' {
  interface BlockCipher {
    update(data: ArrayLike<number>): number[];
    final(): number[];
  }
  interface Mode {
    create(options: { type: 'encrypt' | 'decrypt'; key: ArrayLike<number>; iv?: ArrayLike<number>; padding?: boolean }): BlockCipher;
  }
  const des: {
    EDE: unknown;
    CBC: { instantiate(cipher: unknown): Mode };
  };
  export default des;
  export type { BlockCipher, Mode };
}

// What Reader and Writer share: both build the same field tree (name, byte span, value, explanation key)
// as they go, nesting fields under groups. Only how the current offset moves differs between them.
import type { FieldNode } from '../../trace/types.ts';

/** What record() returns when not tracing: written to by no one that reads it. */
const UNRECORDED: FieldNode = { name: '', start: 0, end: 0 };

export abstract class FieldTreeBuilder {
  /** Children list of the field currently being read or written into. */
  protected target: FieldNode[];

  /**
   * @param fields where top-level fields are appended
   * @param tracing false: no field is recorded (the bytes read or written and the checks are the same), for a
   *   message whose tree is made again from its bytes if and when someone reads it
   */
  constructor(
    readonly fields: FieldNode[],
    readonly tracing = true,
  ) {
    this.target = fields;
  }

  /** Where the next field starts. */
  abstract get offset(): number;

  protected record(name: string, start: number, end: number, value: string | undefined, explain: string | undefined): FieldNode {
    if (!this.tracing) return UNRECORDED;
    const node: FieldNode = { name, start, end };
    if (value !== undefined) node.value = value;
    if (explain) node.explain = explain;
    this.target.push(node);
    return node;
  }

  /** Group the fields `body` reads or writes under one node whose span covers them. */
  group<T>(name: string, explain: string | undefined, body: () => T, value?: string): T {
    if (!this.tracing) return body();
    const node = this.record(name, this.offset, this.offset, value, explain);
    node.children = [];
    const saved = this.target;
    this.target = node.children;
    try {
      return body();
    } finally {
      this.target = saved;
      node.end = this.offset;
    }
  }

  /** Set the display value of the most recent field (e.g. after decoding a whole group). */
  annotateLast(value: string): void {
    const last = this.target[this.target.length - 1];
    if (last) last.value = value;
  }
}

// Shared lists of reason texts for the reputation score's entries: each list is made once and never changed,
// and an entry's reasons are one of them, so the many addresses scored for the same alerts in the same order
// share their lists.
//
// Why: in an alert storm of spoofed sources every source is scored for the same few alerts in the same order
// (two SUSPICIOUS_PORT, a DIRECTORY_TRAVERSAL, an SQL_INJECTION, a CUSTOM_RULE), and each entry kept an array
// of its own that its first push grew to 17 slots: about 180 bytes per source that lived as long as the
// source was tracked, copied by the young-generation collections on its way to the old generation.
//
// A list and the text added to it lead to one longer list (its oldest texts dropped past `maxLen`), found
// from the shorter one's node: the last text added after it is compared first (a storm's sources all take
// the same path), others are in a small Map. At most `maxNodes` lists are made; past that, after() answers
// null and the caller keeps a list of its own.

/** One shared list and the lists made from it by adding one text. */
export interface ReasonNode {
  /** Never changed: entries hold it as their reasons. */
  readonly list: readonly string[];
  /** The text of the list made from this one most recently, and that list (null: none yet). */
  nextText: string | null;
  nextNode: ReasonNode | null;
  /** Lists made from this one by other texts (null until a second text comes). */
  more: Map<string, ReasonNode> | null;
}

/** Lists made at most (beyond, callers keep their own): a storm needs a handful, a long run a few hundred. */
export const MAX_NODES = 1024;

export class ReasonLists {
  /** The empty list. */
  readonly root: ReasonNode = { list: [], nextText: null, nextNode: null, more: null };
  private readonly maxLen: number;
  private readonly maxNodes: number;
  /** Lists made (the empty one included). */
  size = 1;

  constructor(maxLen: number, maxNodes = MAX_NODES) {
    this.maxLen = maxLen;
    this.maxNodes = maxNodes;
  }

  /** The shared list of `node`'s texts and then `text` (at most maxLen, the oldest dropped), or null when no more lists are made. */
  after(node: ReasonNode, text: string): ReasonNode | null {
    if (node.nextText === text) return node.nextNode;
    const known = node.more?.get(text);
    if (known !== undefined) return known;
    return this.make(node, text);
  }

  /** A new list from `node` and `text` (kept out of after(), which runs for every alert scored). */
  private make(node: ReasonNode, text: string): ReasonNode | null {
    if (this.size >= this.maxNodes) return null;
    const list = node.list.length >= this.maxLen ? node.list.slice(node.list.length - this.maxLen + 1) : node.list.slice();
    list.push(text);
    const made: ReasonNode = { list, nextText: null, nextNode: null, more: null };
    this.size++;
    // The text followed before moves to `more`; the newest is the one compared first.
    if (node.nextText !== null && node.nextNode !== null) (node.more ??= new Map()).set(node.nextText, node.nextNode);
    node.nextText = text;
    node.nextNode = made;
    return made;
  }
}

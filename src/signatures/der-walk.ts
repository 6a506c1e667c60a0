/**
 * A DER walker that reads tags and lengths in place and builds nothing: where a CMS is only passed through
 * (the certificates it carries are used as the bytes they are), node-forge's reader would build a tree of strings
 * for every byte of them, ~2 KB per request. Anything it does not read as plain DER (an indefinite BER length, a
 * high tag number, a length past its parent) throws NotPlainDer, and the caller reads the input with node-forge,
 * which gives the error or reads the BER.
 */
export interface DerNode {
  tag: number;
  /** Where the node's tag is. */
  start: number;
  contentStart: number;
  /** Just past the node's content. */
  end: number;
}

export class NotPlainDer extends Error {}

/** Bit 6 of a tag: the node holds nodes, not bytes. */
const constructedBit = 0x20;

export const isConstructed = (node: DerNode) => (node.tag & constructedBit) !== 0;

export function derNodeAt(der: Buffer, offset: number, limit: number): DerNode {
  if (offset + 2 > limit) throw new NotPlainDer('truncated');
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new NotPlainDer('high tag number');
  const first = der[offset + 1]!;
  let contentStart = offset + 2;
  let length = first;
  if (first === 0x80) throw new NotPlainDer('indefinite length');
  if (first > 0x80) {
    const count = first & 0x7f;
    if (count > 4 || contentStart + count > limit) throw new NotPlainDer('length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new NotPlainDer('length past the end');
  return { tag, start: offset, contentStart, end };
}

/** The nodes directly inside a constructed node. */
export function derChildren(der: Buffer, parent: DerNode): DerNode[] {
  if (!isConstructed(parent)) throw new NotPlainDer('not constructed');
  const nodes: DerNode[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const node = derNodeAt(der, offset, parent.end);
    nodes.push(node);
    offset = node.end;
  }
  return nodes;
}

/** Every constructed node below reads as plain DER: the check node-forge's reader makes, without its tree. */
export function checkDerTree(der: Buffer, node: DerNode): void {
  if (isConstructed(node)) checkContent(der, node.contentStart, node.end, 1);
}

/** node-forge's reader stops at this depth too; a real CMS is about 10 deep. */
const maxDepth = 256;

/** The nodes from `offset` fill the content up to `end` exactly, recursively (only offsets kept: ~100 nodes a CMS). */
function checkContent(der: Buffer, offset: number, end: number, depth: number): void {
  if (depth > maxDepth) throw new NotPlainDer('nested too deep');
  while (offset < end) {
    const { tag, contentStart, end: next } = derNodeAt(der, offset, end);
    if (tag & constructedBit) checkContent(der, contentStart, next, depth + 1);
    offset = next;
  }
}

/** The node's bytes, tag and length included. */
export const derBytes = (der: Buffer, node: DerNode) => der.subarray(node.start, node.end);

/**
 * The two indexes of a bbi file (bigWig), as UCSC lays them out: the chromosome B+ tree (name → id,
 * size) and the cirTree R-tree over data or zoom blocks. Written whole, from sorted items, at commit.
 */

const BPT_MAGIC = 0x78ca8c91;
const CIRTREE_MAGIC = 0x2468ace0;
/** R-tree and B+ tree fan-out: UCSC's default. */
export const BLOCK_SIZE = 256;

export interface ChromSize {
  name: string;
  size: number;
}

/** One block of a data or zoom level: its genome bounds and where it lies in the file. */
export interface IndexItem {
  chromId: number;
  start: number;
  end: number;
  offset: number;
  size: number;
}

/** The chromosome B+ tree (name → id, size) for file offset `fileOffset`: header, then nodes root first, each padded to BLOCK_SIZE slots. */
export function chromTree(chroms: readonly ChromSize[], fileOffset: number): Buffer {
  const n = chroms.length;
  const keys = chroms.map((c) => Buffer.from(c.name, 'utf8'));
  const keySize = Math.max(1, ...keys.map((k) => k.length));
  const blockSize = Math.max(1, Math.min(BLOCK_SIZE, n));
  const slot = keySize + 8;
  const nodeSize = 4 + blockSize * slot;
  // levels[0] = leaves; a level above groups blockSize nodes of the one below.
  let levelCount = 1;
  while (blockSize ** levelCount < n) levelCount++;
  const nodesAt = (l: number): number => Math.max(1, Math.ceil(n / blockSize ** (l + 1)));
  const levelStart: number[] = [];
  let offset = 32;
  for (let l = levelCount - 1; l >= 0; l--) {
    levelStart[l] = offset;
    offset += nodesAt(l) * nodeSize;
  }
  const out = Buffer.alloc(offset);
  out.writeUInt32LE(BPT_MAGIC, 0);
  out.writeUInt32LE(blockSize, 4);
  out.writeUInt32LE(keySize, 8);
  out.writeUInt32LE(8, 12);
  out.writeBigUInt64LE(BigInt(n), 16);
  for (let l = levelCount - 1; l >= 0; l--) {
    const span = blockSize ** l; // items under one slot of a node at this level
    for (let node = 0; node < nodesAt(l); node++) {
      const at = levelStart[l] + node * nodeSize;
      let count = 0;
      for (let j = 0; j < blockSize; j++) {
        const first = (node * blockSize + j) * span;
        if (first >= n) break;
        const o = at + 4 + j * slot;
        keys[first].copy(out, o);
        if (l === 0) {
          out.writeUInt32LE(first, o + keySize);
          out.writeUInt32LE(chroms[first].size, o + keySize + 4);
        } else {
          out.writeBigUInt64LE(BigInt(fileOffset + levelStart[l - 1] + (node * blockSize + j) * nodeSize), o + keySize);
        }
        count++;
      }
      out.writeUInt8(l === 0 ? 1 : 0, at);
      out.writeUInt16LE(count, at + 2);
    }
  }
  return out;
}

interface Bounds {
  startChrom: number;
  startBase: number;
  endChrom: number;
  endBase: number;
}

/**
 * A cirTree R-tree over sorted items (one per data block): a 48-byte header, then nodes root first,
 * padded to BLOCK_SIZE slots; leaf slots point at blocks, inner slots at child nodes.
 */
export function rTree(items: readonly IndexItem[], at: number, itemsPerSlot: number, endFileOffset: number): Buffer {
  const LEAF_SLOT = 32;
  const INNER_SLOT = 24;
  const leafNode = 4 + BLOCK_SIZE * LEAF_SLOT;
  const innerNode = 4 + BLOCK_SIZE * INNER_SLOT;
  const itemBounds: Bounds[] = items.map((i) => ({ startChrom: i.chromId, startBase: i.start, endChrom: i.chromId, endBase: i.end }));
  // levels[0] = bounds of the leaves, levels[k] = bounds of the nodes k levels up.
  const group = (below: Bounds[]): Bounds[] => {
    const out: Bounds[] = [];
    for (let i = 0; i < below.length; i += BLOCK_SIZE) {
      const part = below.slice(i, i + BLOCK_SIZE);
      const last = part.reduce((m, b) => (b.endChrom > m.endChrom || (b.endChrom === m.endChrom && b.endBase > m.endBase) ? b : m));
      out.push({ startChrom: part[0].startChrom, startBase: part[0].startBase, endChrom: last.endChrom, endBase: last.endBase });
    }
    return out;
  };
  const levels: Bounds[][] = [group(itemBounds)];
  while (levels[levels.length - 1].length > 1) levels.push(group(levels[levels.length - 1]));
  const top = levels.length - 1;
  const levelStart: number[] = [];
  let offset = at + 48;
  for (let l = top; l >= 0; l--) {
    levelStart[l] = offset;
    offset += Math.max(1, levels[l].length) * (l === 0 ? leafNode : innerNode);
  }
  const out = Buffer.alloc(offset - at);
  const all = levels[top][0];
  out.writeUInt32LE(CIRTREE_MAGIC, 0);
  out.writeUInt32LE(BLOCK_SIZE, 4);
  out.writeBigUInt64LE(BigInt(items.length), 8);
  out.writeUInt32LE(all?.startChrom ?? 0, 16);
  out.writeUInt32LE(all?.startBase ?? 0, 20);
  out.writeUInt32LE(all?.endChrom ?? 0, 24);
  out.writeUInt32LE(all?.endBase ?? 0, 28);
  out.writeBigUInt64LE(BigInt(endFileOffset), 32);
  out.writeUInt32LE(itemsPerSlot, 40);
  for (let l = top; l >= 0; l--) {
    const nodes = Math.max(1, levels[l].length);
    for (let node = 0; node < nodes; node++) {
      const base = levelStart[l] - at + node * (l === 0 ? leafNode : innerNode);
      const children = l === 0 ? itemBounds : levels[l - 1];
      let count = 0;
      for (let j = 0; j < BLOCK_SIZE; j++) {
        const c = node * BLOCK_SIZE + j;
        if (c >= children.length) break;
        const b = children[c];
        const o = base + 4 + j * (l === 0 ? LEAF_SLOT : INNER_SLOT);
        out.writeUInt32LE(b.startChrom, o);
        out.writeUInt32LE(b.startBase, o + 4);
        out.writeUInt32LE(b.endChrom, o + 8);
        out.writeUInt32LE(b.endBase, o + 12);
        if (l === 0) {
          out.writeBigUInt64LE(BigInt(items[c].offset), o + 16);
          out.writeBigUInt64LE(BigInt(items[c].size), o + 24);
        } else {
          out.writeBigUInt64LE(BigInt(levelStart[l - 1] + c * (l - 1 === 0 ? leafNode : innerNode)), o + 16);
        }
        count++;
      }
      out.writeUInt8(l === 0 ? 1 : 0, base);
      out.writeUInt16LE(count, base + 2);
    }
  }
  return out;
}

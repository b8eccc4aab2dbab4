/**
 * Dinucleotide-preserving shuffle (Altschul & Erickson 1985; the random-Eulerian-walk form of Kandel
 * et al. 1996 that uShuffle implements): the sequence is read as a walk through a multigraph whose
 * vertices are letters and whose edges are its adjacent pairs, and a new walk using every edge once
 * is drawn. The result has exactly the same dinucleotide counts (hence the same base counts, CpG
 * count and GC content), the same first letter and the same last letter — a composition-matched
 * negative for a peak, with the motif order destroyed.
 *
 * The walk is uniform over all Eulerian walks from the first letter: each vertex other than the last
 * letter gets a random "last exit" edge such that those edges form a tree pointing at the last letter
 * (drawn with Wilson's loop-erased random walk, so no rejection loop), then every vertex's other exits
 * are put in random order ahead of its last exit, and the walk follows them.
 */

/** Letters are codes 0..alphabet−1 (e.g. A, G, C, T, N = 0..4 from core/encoding). */
export function dinucleotideShuffle(codes: Uint8Array, random: () => number, alphabet = 5): Uint8Array {
  const n = codes.length;
  if (n <= 2) return codes.slice();
  for (let i = 0; i < n; i++) {
    if (codes[i] >= alphabet) throw new RangeError(`code ${codes[i]} at ${i} is outside the alphabet of ${alphabet} letters`);
  }
  // Out-edges of every vertex, by target letter (with multiplicity).
  const exits: number[][] = Array.from({ length: alphabet }, () => []);
  for (let i = 0; i + 1 < n; i++) exits[codes[i]].push(codes[i + 1]);
  const last = codes[n - 1];

  // Wilson's algorithm: a uniformly random arborescence (edges weighted by multiplicity) towards `last`.
  const inTree = new Array<boolean>(alphabet).fill(false);
  const nextEdge = new Int32Array(alphabet).fill(-1);
  inTree[last] = true;
  for (let v = 0; v < alphabet; v++) {
    if (exits[v].length === 0) continue;
    let u = v;
    while (!inTree[u]) {
      nextEdge[u] = Math.floor(random() * exits[u].length);
      u = exits[u][nextEdge[u]];
    }
    u = v;
    while (!inTree[u]) {
      inTree[u] = true;
      u = exits[u][nextEdge[u]];
    }
  }

  // Each vertex's exits in random order, the tree edge (its last exit) moved to the end.
  for (let v = 0; v < alphabet; v++) {
    const e = exits[v];
    if (e.length === 0) continue;
    let end = e.length;
    if (v !== last) {
      const k = nextEdge[v];
      const t = e[k];
      e[k] = e[end - 1];
      e[end - 1] = t;
      end--;
    }
    for (let i = end - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = e[i];
      e[i] = e[j];
      e[j] = t;
    }
  }

  const out = new Uint8Array(n);
  const used = new Int32Array(alphabet);
  let v = codes[0];
  out[0] = v;
  for (let i = 1; i < n; i++) {
    v = exits[v][used[v]++];
    out[i] = v;
  }
  return out;
}

/** Counts of every ordered pair (a, b) of adjacent letters, indexed a * alphabet + b. */
export function dinucleotideCounts(codes: Uint8Array, alphabet = 5): Uint32Array {
  const counts = new Uint32Array(alphabet * alphabet);
  for (let i = 0; i + 1 < codes.length; i++) counts[codes[i] * alphabet + codes[i + 1]]++;
  return counts;
}

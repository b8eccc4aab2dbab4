/**
 * What the client is told about a document's bin values (the tfbs/binScores notification): a whole
 * picture when the document's analysis is replaced, then only the bins found since the last message.
 * Results arrive a batch at a time and a batch can fill bins of several records and documents (a window
 * content shared between them), so found bins are queued per document and sent once per batch, not once
 * per bin.
 */
import { BinScoresParams, RecordBins } from '../shared/protocol';
import { RecordState, recordLayout } from './documents';
import { OpenDocument } from './openDocument';

export class ScoreOutbox {
  constructor(
    private readonly send: (params: BinScoresParams) => void,
    /** The key of the model the values come from (0 while none is loaded): the client drops stale ones. */
    private readonly modelKey: () => number,
  ) {}

  /**
   * A bin's value became known: sets it and, when `state` is still the document's current record (it may
   * belong to a version since replaced), counts it and queues it for the next message.
   */
  noteResult(doc: OpenDocument | undefined, state: RecordState, bin: number, value: number): void {
    const wasUnknown = Number.isNaN(state.max[bin]);
    state.max[bin] = value;
    if (!doc || doc.analysis.records[state.record.index] !== state) return;
    if (wasUnknown) doc.index.known++;
    doc.placeholders.get(state.record.index)?.delete(bin);
    let set = doc.outbox.get(state.record.index);
    if (!set) doc.outbox.set(state.record.index, (set = new Set()));
    set.add(bin);
  }

  /**
   * Sends every value the document's current analysis knows (or holds as a placeholder for an edited
   * bin), with the records' layouts: the client replaces what it had for the document.
   */
  replace(doc: OpenDocument): void {
    const records: RecordBins[] = [];
    for (const state of doc.analysis.records) {
      const bins: number[] = [];
      const max: number[] = [];
      const held = doc.placeholders.get(state.record.index);
      for (let b = 0; b < state.binCount; b++) {
        const v = Number.isNaN(state.max[b]) ? held?.get(b) : state.max[b];
        if (v === undefined) continue;
        bins.push(b);
        max.push(round4(v));
      }
      if (bins.length) records.push({ record: state.record.index, bins, max });
    }
    this.send({
      uri: doc.uri,
      version: doc.version,
      modelKey: this.modelKey(),
      binSize: doc.analysis.binLayout.binSize,
      replace: true,
      layouts: doc.analysis.records.map(recordLayout),
      records,
    });
  }

  /** Sends the bins queued since the last message, if any. */
  flush(doc: OpenDocument): void {
    if (doc.outbox.size === 0) return;
    const records: RecordBins[] = [];
    for (const [index, set] of doc.outbox) {
      const state = doc.analysis.records[index];
      if (!state) continue;
      const bins = [...set].sort((a, b) => a - b);
      records.push({ record: index, bins, max: bins.map((b) => round4(state.max[b])) });
    }
    doc.outbox.clear();
    this.send({
      uri: doc.uri,
      version: doc.version,
      modelKey: this.modelKey(),
      binSize: doc.analysis.binLayout.binSize,
      replace: false,
      records,
    });
  }
}

/** The client only colours by these values: four decimals are plenty and keep the messages short. */
function round4(v: number): number {
  return Math.round(v * 10000) / 10000;
}

/**
 * The language server: wires a ScoringService to an LSP connection. Standard LSP for text sync,
 * hovers, document symbols (records) and diagnostics (FASTA problems); src/shared/protocol.ts for the
 * rest. The server owns the model and every result; the client only draws.
 */
import {
  CancellationToken,
  Connection,
  Diagnostic,
  DiagnosticSeverity,
  DocumentSymbol,
  Hover,
  InitializeResult,
  LSPErrorCodes,
  MarkupKind,
  ResponseError,
  SymbolKind,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CancelledError, isTfbsError } from '../core/errors';
import { positionAt, recordAtLine, recordOffsetAt } from '../core/fasta';
import { binRange } from '../core/windows';
import {
  BinMatrixRequest,
  BinScoresNotification,
  ConfigureNotification,
  CrashForTestRequest,
  ExperimentReliability,
  ExperimentsRequest,
  ExperimentsResult,
  ExportProgressNotification,
  ExportRequest,
  InitializationOptions,
  ModelStatusNotification,
  PROTOCOL_VERSION,
  RecordMatrixRequest,
  ScoreRequest,
  ScoringProgressNotification,
  StatsRequest,
  VisibleRangesNotification,
  WhenIdleRequest,
} from '../shared/protocol';
import { colourLegendText, colourValueLabel } from '../shared/binColour';
import { DEFAULT_SETTINGS, normaliseSettings } from '../shared/settings';
import { RecordState, offsetsInRange } from './documents';
import { registerExplain } from './explain';
import { exportPredictions } from './exporter';
import { binHover, recordHover } from './hover';
import { recordMatrix } from './recordMatrix';
import { EngineOpener, openEngineForSettings } from './modelHost';
import { experimentReliability, floorNotice } from './reliabilityView';
import { ScoringService } from './scoringService';
import { registerVariantEffects } from './variantEffect';

/** Diagnostics per document, at most: a protein file pasted by mistake must not flood the panel. */
const MAX_DIAGNOSTICS = 500;
/** How long a hover waits for its bin to be scored. */
const HOVER_WAIT_MS = 4000;

export interface ServerOptions {
  /** Replaces ONNX Runtime (tests of failure paths). */
  openEngine?: EngineOpener;
  /** False: no priming of ISM while idle (bench/explain.ts compares the first Explain with and without). */
  primeIsm?: boolean;
}

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  let service: ScoringService | undefined;
  let testMode = false;

  const requireService = (): ScoringService => {
    if (!service) throw new ResponseError(-32002, 'the server is not initialized');
    return service;
  };

  connection.onInitialize((params): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as Partial<InitializationOptions>;
    if (init.protocolVersion !== undefined && init.protocolVersion !== PROTOCOL_VERSION) {
      throw new ResponseError(-32602, `TFBS Lens: the server speaks protocol ${PROTOCOL_VERSION}, the client ${init.protocolVersion}; reinstall the extension`);
    }
    testMode = Boolean(init.testMode);
    const settings = normaliseSettings(init.settings ?? DEFAULT_SETTINGS);
    service = new ScoringService(settings, init.extensionPath ?? process.cwd(), {
      binScores: (p) => void connection.sendNotification(BinScoresNotification, p),
      progress: (p) => void connection.sendNotification(ScoringProgressNotification, p),
      modelStatus: (s) => void connection.sendNotification(ModelStatusNotification, s),
      problemsChanged: (uri) => publishDiagnostics(uri),
      log: (m) => connection.console.log(m),
    }, options.openEngine ?? openEngineForSettings, { primeIsm: options.primeIsm });
    service.textProvider = (uri) => documents.get(uri)?.getText();
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        documentSymbolProvider: { label: 'FASTA records' },
      },
      serverInfo: { name: 'tfbs-lens', version: String(PROTOCOL_VERSION) },
    };
  });

  connection.onInitialized(() => {
    void requireService().loadModel();
  });

  connection.onShutdown(async () => {
    await service?.dispose();
  });

  documents.onDidChangeContent((e) => {
    const s = requireService();
    const uri = e.document.uri;
    if (s.docs.has(uri)) s.change(uri, e.document.version, e.document.getText());
    else s.open(uri, e.document.version, e.document.getText());
  });

  documents.onDidClose((e) => {
    service?.close(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  function publishDiagnostics(uri: string): void {
    const doc = service?.docs.get(uri);
    if (!doc) return;
    const diagnostics: Diagnostic[] = doc.analysis.problems.slice(0, MAX_DIAGNOSTICS).map((p) => ({
      severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      range: { start: { line: p.line, character: p.column }, end: { line: p.line, character: Math.max(p.endColumn, p.column + 1) } },
      message: p.message,
      source: 'TFBS Lens',
    }));
    const more = doc.analysis.problems.length - diagnostics.length;
    if (more > 0) {
      diagnostics.push({
        severity: DiagnosticSeverity.Warning,
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
        message: `${more} more problems are not listed`,
        source: 'TFBS Lens',
      });
    }
    void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
  }

  connection.onNotification(ConfigureNotification, (p) => {
    void requireService().updateSettings(normaliseSettings(p.settings));
  });

  connection.onNotification(VisibleRangesNotification, (p) => {
    requireService().setVisible(p.editors);
  });

  connection.onHover(async (params, token): Promise<Hover | null> => {
    const s = requireService();
    const uri = params.textDocument.uri;
    s.flushPending(uri);
    const doc = s.docs.get(uri);
    if (!doc) return null;
    const records = doc.analysis.records;
    const state = recordAtLine(records, params.position.line, (s) => s.record.headerLine);
    if (!state) return null;
    const binSize = doc.analysis.binLayout.binSize;
    const model = s.model;
    const unavailable = model ? undefined : noModelReason(s);
    const offset = params.position.line === state.record.headerLine ? undefined : recordOffsetAt(state.record, params.position.line, params.position.character);
    if (offset === undefined || state.binCount === 0) {
      if (params.position.line > state.lastLine) return null;
      const { outputs, belowFloor } = s.summarisedExperiments;
      const { colourBy, threshold, minReliability } = s.currentSettings;
      const floor = belowFloor > 0 && outputs ? `; over the ${outputs.length} experiment${outputs.length === 1 ? '' : 's'} that pass the reliability floor, tfbsLens.minReliability = ${minReliability}` : '';
      const scope = model ? `${colourLegendText(colourBy, threshold, s.colourGroups.length)}${floor}` : undefined;
      const noneSummarised = model ? floorNotice(s.summarisedExperiments, s.focusedExperiments.focus !== undefined, s.currentSettings.minReliability) : undefined;
      return markdown(recordHover({ uri, state, recordCount: records.length, binSize, unavailable, scope, valueLabel: colourValueLabel(colourBy, threshold), noneSummarised }));
    }
    const bin = Math.floor(offset / binSize);
    let result = s.resultOf(state, bin);
    let why = unavailable;
    if (!result && model) {
      why = await waitForBin(s, uri, state, bin, token);
      result = s.resultOf(state, bin);
    }
    const minReliability = s.currentSettings.minReliability;
    const verdicts = new Map<number, ExperimentReliability>();
    const reliabilityOf = (e: number): ExperimentReliability => {
      let v = verdicts.get(e);
      if (!v) verdicts.set(e, (v = model ? experimentReliability(model.pkg, e, minReliability) : { grade: 'unmeasured', summary: 'unmeasured', detail: 'unmeasured', passes: true }));
      return v;
    };
    const value = binHover({
      uri, state, recordCount: records.length, bin, binSize, result, experiments: model?.experiments ?? [], focus: s.focusedExperiments.focus,
      reliabilityOf, minReliability, reliabilityMeasured: Boolean(model?.pkg.reliability), unavailable: why,
      colour: result && model ? s.colourOf(result) : undefined, threshold: s.currentSettings.threshold, factors: s.colourGroups.length,
    });
    return { ...markdown(value), range: binRangeOnLine(state, bin, binSize, params.position.line) };
  });

  connection.onDocumentSymbol((params): DocumentSymbol[] => {
    const doc = service?.docs.get(params.textDocument.uri);
    if (!doc) return [];
    return doc.analysis.records.map((state) => {
      const r = state.record;
      const last = r.runs[r.runs.length - 1];
      const endCharacter = last ? last.column + last.length : 1 + r.name.length + (r.description ? r.description.length + 1 : 0);
      const details = [`${r.length.toLocaleString('en-US')} bp`];
      if (r.genomic) details.push(`${r.genomic.chrom}:${r.genomic.start + 1}-${r.genomic.end}`);
      if (!r.scorable) details.push(r.length ? 'not DNA' : 'empty');
      return {
        name: r.uniqueName || `record ${r.index + 1}`,
        detail: details.join(' · '),
        kind: SymbolKind.Module,
        range: { start: { line: r.headerLine, character: 0 }, end: { line: state.lastLine, character: endCharacter } },
        selectionRange: { start: { line: r.headerLine, character: 0 }, end: { line: r.headerLine, character: 1 + r.name.length } },
      };
    });
  });

  connection.onRequest(ExperimentsRequest, (): ExperimentsResult => {
    const s = requireService();
    const m = s.model;
    const { focus, unknown } = s.focusedExperiments;
    if (!m) return { modelKey: s.models.status.modelKey, experiments: [], focused: [], unknownFocus: unknown };
    const minReliability = s.currentSettings.minReliability;
    return {
      modelKey: m.key,
      modelName: m.pkg.manifest.name,
      experiments: m.experiments.map((e) => ({
        index: e.index, name: e.name, cell: e.cell, factor: e.factor, treatment: e.treatment, reliability: experimentReliability(m.pkg, e.index, minReliability),
      })),
      focused: focus ?? m.experiments.map((e) => e.index),
      unknownFocus: unknown,
      minReliability,
      reliabilityMeasured: Boolean(m.pkg.reliability),
    };
  });

  connection.onRequest(WhenIdleRequest, (p) => {
    const s = requireService();
    s.flushPending(p.uri);
    return s.whenIdle(p.uri, p.version ?? 0);
  });

  connection.onRequest(ScoreRequest, async (p, token) => {
    const s = requireService();
    s.flushPending(p.uri);
    const doc = s.docs.get(p.uri);
    if (!doc) throw new ResponseError(-32602, 'the document is not open in the server');
    if (!(await s.settledModel())) throw new ResponseError(-32603, noModelReason(s));
    const wanted: Array<[RecordState, number[]]> = [];
    for (const state of doc.analysis.records) {
      if (!state.binCount) continue;
      let bins: number[];
      if (!p.ranges) {
        bins = Array.from({ length: state.binCount }, (_, b) => b);
      } else {
        const set = new Set<number>();
        for (const range of p.ranges) {
          const offsets = offsetsInRange(state, range);
          if (!offsets) continue;
          const binSize = doc.analysis.binLayout.binSize;
          for (let b = Math.floor(offsets[0] / binSize); b <= Math.floor((offsets[1] - 1) / binSize); b++) set.add(b);
        }
        bins = [...set].sort((a, b) => a - b);
      }
      if (bins.length) wanted.push([state, bins]);
    }
    const signal = signalOf(token);
    try {
      await Promise.all(wanted.map(([state, bins]) => s.ensureResults(p.uri, state, bins, false, signal)));
    } catch (e) {
      throw toResponseError(e);
    }
    const bins = wanted.reduce((n, [, b]) => n + b.length, 0);
    return { version: doc.version, bins, scored: bins };
  });

  connection.onRequest(BinMatrixRequest, (p) => {
    const s = requireService();
    s.flushPending(p.uri);
    return s.matrix(p.uri, p.record, p.fromBin, p.toBin, Boolean(p.schedule));
  });

  connection.onRequest(RecordMatrixRequest, async (p, token) => {
    const s = requireService();
    s.flushPending(p.uri);
    try {
      return await recordMatrix(s, p, signalOf(token));
    } catch (e) {
      throw toResponseError(e);
    }
  });

  connection.onRequest(ExportRequest, async (p, token) => {
    const s = requireService();
    s.flushPending(p.uri);
    try {
      return await exportPredictions(s, p, signalOf(token), (done, total) => {
        void connection.sendNotification(ExportProgressNotification, { path: p.path, done, total });
      });
    } catch (e) {
      throw toResponseError(e);
    }
  });

  connection.onRequest(StatsRequest, () => requireService().stats());

  registerExplain(connection, requireService);

  connection.onRequest(CrashForTestRequest, () => {
    if (!testMode) throw new ResponseError(-32601, 'tfbs/crashForTest is only available to extension tests');
    setTimeout(() => process.exit(86), 10);
  });

  registerVariantEffects(connection, documents, requireService);
  documents.listen(connection);
  connection.listen();
}

function markdown(value: string): Hover {
  return { contents: { kind: MarkupKind.Markdown, value } };
}

function noModelReason(s: ScoringService): string {
  const status = s.models.status;
  if (status.state === 'loading') return 'the model is loading…';
  return status.message ? `no model: ${status.message}` : 'no model is loaded';
}

/** Waits for a hover's bin; returns why there is still no result, or undefined. */
async function waitForBin(s: ScoringService, uri: string, state: RecordState, bin: number, token: CancellationToken): Promise<string | undefined> {
  const controller = new AbortController();
  const sub = token.onCancellationRequested(() => controller.abort());
  const timer = setTimeout(() => controller.abort(), HOVER_WAIT_MS);
  try {
    await s.ensureResults(uri, state, [bin], true, controller.signal);
    return undefined;
  } catch (e) {
    return e instanceof CancelledError ? 'still scoring — hover again in a moment' : `not scored: ${(e as Error).message}`;
  } finally {
    clearTimeout(timer);
    sub.dispose();
  }
}

/** The part of a bin on one line: the hover's range, so moving into the next bin asks again. */
function binRangeOnLine(state: RecordState, bin: number, binSize: number, line: number) {
  const [start, end] = binRange(bin, binSize, state.record.length);
  const a = positionAt(state.record, start);
  const b = positionAt(state.record, end - 1);
  const run = state.record.runs.find((r) => r.line === line);
  const lineStart = run ? run.column : 0;
  const lineEnd = run ? run.column + run.length : 0;
  return {
    start: { line, character: a.line === line ? a.column : lineStart },
    end: { line, character: b.line === line ? b.column + 1 : lineEnd },
  };
}

function signalOf(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

function toResponseError(e: unknown): ResponseError<void> {
  if (e instanceof ResponseError) return e;
  if (e instanceof CancelledError) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
  if (isTfbsError(e)) return new ResponseError(-32603, e.message);
  return new ResponseError(-32603, String((e as Error)?.message ?? e));
}

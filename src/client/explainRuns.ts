/**
 * Which *Explain bin* results the editor may paint. Attributions are per record offset of the text they
 * were computed on: painted on another version they colour shifted bases, and the hover's logo would
 * draw letters never explained. So a result is shown only while the document is still at the version
 * the request was made at (and the server stamps the version it started from), and an edit cancels a
 * running explanation, whose result could only be dropped. Free of vscode, so it is unit-tested.
 */

/** What the gate needs of a result (src/shared/protocol.ts's ExplainResult has all of it). */
export interface ExplainStamp {
  uri: string;
  version: number;
  token?: string;
  complete: boolean;
}

interface Run {
  token: string;
  version: number;
  cancel: () => void;
}

export class ExplainRuns {
  private readonly running = new Map<string, Run>();

  /** A request for `uri` at document `version` is sent; a newer request supersedes an older one. */
  start(uri: string, token: string, version: number, cancel: () => void): void {
    this.running.set(uri, { token, version, cancel });
  }

  /** The request `token` settled (a superseding run is left alone). */
  finish(uri: string, token: string): void {
    if (this.running.get(uri)?.token === token) this.running.delete(uri);
  }

  /** `token` is the running request of `uri`. */
  isRunning(uri: string, token: string | undefined): boolean {
    return token !== undefined && this.running.get(uri)?.token === token;
  }

  /** The text of `uri` changed or the document closed: its running explanation is cancelled. */
  retire(uri: string): void {
    const run = this.running.get(uri);
    if (!run) return;
    this.running.delete(uri);
    run.cancel();
  }

  /**
   * May `r` be painted on the document as it is now (`currentVersion`; undefined when it is not open)?
   * Progress only from the running request; any result only of the current version and, while its
   * request runs, of the version that request was made at.
   */
  accepts(r: ExplainStamp, currentVersion: number | undefined): boolean {
    if (currentVersion === undefined || r.version !== currentVersion) return false;
    const run = this.running.get(r.uri);
    if (!r.complete) return run !== undefined && run.token === r.token && run.version === r.version;
    return run === undefined || run.token !== r.token || run.version === r.version;
  }
}

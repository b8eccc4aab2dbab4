/**
 * Typed errors whose message is written for the user. Anything that is a user's mistake (bad input,
 * bad model, bad option) is a TfbsError; anything else is a bug and may carry a stack trace.
 */

/** Where in a user's input a problem lies; every field optional, the message names what is known. */
export interface SourceLocation {
  file?: string;
  record?: string;
  /** 1-based line number. */
  line?: number;
  /** 1-based column number. */
  column?: number;
  field?: string;
}

export type ErrorKind =
  | 'input' // a FASTA, BED, array or label file that cannot be used
  | 'model' // a model package that is missing, corrupt or inconsistent
  | 'usage' // a command-line or API option that makes no sense
  | 'io' // a path that cannot be read or written
  | 'environment' // something missing on the machine (Python, torch, a native module)
  | 'cancelled';

export class TfbsError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly detail: string,
    readonly location: SourceLocation = {},
  ) {
    super(formatLocation(location) + detail);
    this.name = 'TfbsError';
  }
}

export class InputError extends TfbsError {
  constructor(detail: string, location: SourceLocation = {}) {
    super('input', detail, location);
    this.name = 'InputError';
  }
}

export class ModelError extends TfbsError {
  constructor(detail: string, location: SourceLocation = {}) {
    super('model', detail, location);
    this.name = 'ModelError';
  }
}

export class UsageError extends TfbsError {
  constructor(detail: string) {
    super('usage', detail);
    this.name = 'UsageError';
  }
}

export class IoError extends TfbsError {
  constructor(detail: string, location: SourceLocation = {}) {
    super('io', detail, location);
    this.name = 'IoError';
  }
}

export class EnvironmentError extends TfbsError {
  constructor(detail: string) {
    super('environment', detail);
    this.name = 'EnvironmentError';
  }
}

export class CancelledError extends TfbsError {
  constructor() {
    super('cancelled', 'cancelled');
    this.name = 'CancelledError';
  }
}

export function isTfbsError(e: unknown): e is TfbsError {
  return e instanceof TfbsError;
}

/** "file.fa, record chr1, line 3, column 17: " — the prefix is empty when nothing is known. */
function formatLocation(loc: SourceLocation): string {
  const parts: string[] = [];
  if (loc.file) parts.push(loc.file);
  if (loc.record !== undefined) parts.push(`record "${loc.record}"`);
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.column !== undefined) parts.push(`column ${loc.column}`);
  if (loc.field) parts.push(`field ${loc.field}`);
  return parts.length ? parts.join(', ') + ': ' : '';
}

/** Turns a Node system error (ENOENT, EACCES, ...) into an IoError that names the path. */
export function ioErrorFrom(e: unknown, path: string, action: 'read' | 'write' | 'open'): TfbsError {
  if (e instanceof TfbsError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  const why =
    code === 'ENOENT' ? 'no such file or directory'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'is a directory'
    : code === 'ENOTDIR' ? 'a parent is not a directory'
    : code === 'ENOSPC' ? 'no space left on the device'
    : code === 'EROFS' ? 'read-only file system'
    : (e as Error)?.message ?? String(e);
  return new IoError(`cannot ${action}: ${why}`, { file: path });
}

/** An error's first line, at most 200 characters: for one-line notices and messages. */
export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0].slice(0, 200);
}

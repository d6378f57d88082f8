// Typed errors shared by every capability. The CLI maps `code` to an exit code in one place
// (src/exit-codes.ts) and prints `message` plus `hint`, never a stack trace.

export type ErrorCode =
  | 'USAGE' // wrong command-line arguments
  | 'INVALID_INPUT' // a file the user gave is malformed or unsupported
  | 'NOT_FOUND' // a file, model or series that does not exist
  | 'VALIDATION' // the registry has errors (details in diagnostics)
  | 'ENVIRONMENT' // the machine lacks something (Docker, Python, disk)
  | 'RUN_FAILED' // a model ran and failed
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'INTERNAL';

export class MhubError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MhubError';
    this.code = code;
    this.hint = hint;
  }
}

export function isMhubError(error: unknown): error is MhubError {
  return error instanceof MhubError;
}

// The one place where error codes become process exit codes.
import type { ErrorCode } from './errors.ts';

export const EXIT_CODES: Record<ErrorCode | 'OK', number> = {
  OK: 0,
  VALIDATION: 1,
  RUN_FAILED: 1,
  USAGE: 2,
  INVALID_INPUT: 3,
  NOT_FOUND: 3,
  ENVIRONMENT: 4,
  TIMEOUT: 124,
  CANCELLED: 130,
  INTERNAL: 70,
};

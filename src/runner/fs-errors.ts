// File-system failures as one clear sentence naming the folder and the fix.
import { MhubError } from '../errors.ts';
import { isDiskFull, writeError } from '../fsafe/index.ts';

export function fsError(error: unknown, path: string, action: string): MhubError {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new MhubError(
      'ENVIRONMENT',
      `cannot ${action} ${path}: ${code === 'EROFS' ? 'the file system is read-only' : 'permission denied'}`,
      'choose an output folder you can write to (--output)',
      { cause: error },
    );
  }
  if (isDiskFull(error)) return writeError(error, path) as MhubError; // names the space left
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new MhubError(
      'INVALID_INPUT',
      `cannot ${action} ${path}: a file is in the way`,
      'give a folder path',
      {
        cause: error,
      },
    );
  }
  return new MhubError('ENVIRONMENT', `cannot ${action} ${path}: ${(error as Error)?.message}`, undefined, {
    cause: error,
  });
}

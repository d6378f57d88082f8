// A streaming multipart/related reader (RFC 2046 section 5.1.1) for WADO-RS responses: parts go to
// a handler as they arrive, so a 500 MB series never sits in memory. Tolerates a preamble,
// transport padding after a boundary and bare-LF line ends; refuses a response that names no
// boundary, whose headers never end, or that stops before the closing delimiter.
import { MhubError } from '../errors.ts';

export interface PartHandler {
  begin(headers: Map<string, string>): Promise<void> | void;
  data(chunk: Buffer): Promise<void> | void;
  end(): Promise<void> | void;
}

export class MultipartError extends Error {
  /** True when the stream simply stopped (a resume can finish it); false for a broken format. */
  readonly truncated: boolean;
  constructor(message: string, truncated: boolean) {
    super(message);
    this.truncated = truncated;
  }
}

const MAX_HEADER_BYTES = 16 * 1024;

/** The boundary parameter of a multipart Content-Type, or an error naming what is wrong. */
export function boundaryOf(contentType: string | null): string {
  const type = (contentType ?? '').trim();
  if (!/^multipart\/related\b/i.test(type)) {
    throw new MultipartError(`the response is ${type || 'untyped'}, not multipart/related`, false);
  }
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary || boundary.length > 70)
    throw new MultipartError('the multipart response names no valid boundary', false);
  return boundary;
}

type State = 'preamble' | 'headers' | 'body' | 'after-boundary' | 'done';

/** Reads every part of `body`; returns the number of parts. */
export async function readMultipart(
  body: AsyncIterable<Uint8Array>,
  boundary: string,
  handler: PartHandler,
): Promise<number> {
  const dash = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\n--${boundary}`);
  let pending: Buffer = Buffer.alloc(0);
  let state = 'preamble' as State;
  let parts = 0;

  // Runs the state machine over `pending` as far as it can; false when it needs more bytes.
  const step = async (): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        const at = pending.indexOf(dash);
        if (at < 0 || (at > 0 && pending[at - 1] !== 0x0a)) {
          if (at > 0) throw new MultipartError('the first boundary does not start a line', false);
          if (pending.length > MAX_HEADER_BYTES)
            throw new MultipartError('no boundary in the first 16 KiB', false);
          return false;
        }
        pending = pending.subarray(at + dash.length);
        state = 'after-boundary';
        return true;
      }
      case 'after-boundary': {
        // "--" closes; otherwise optional spaces/tabs then a line end start the next part.
        if (pending.length < 2) return false;
        if (pending[0] === 0x2d && pending[1] === 0x2d) {
          state = 'done';
          return false;
        }
        let i = 0;
        while (i < pending.length && (pending[i] === 0x20 || pending[i] === 0x09)) i++;
        if (i === pending.length) return false;
        if (pending[i] === 0x0d) {
          if (i + 1 >= pending.length) return false;
          i++;
        }
        if (pending[i] !== 0x0a) throw new MultipartError('a boundary line carries extra text', false);
        pending = pending.subarray(i + 1);
        state = 'headers';
        return true;
      }
      case 'headers': {
        const end = headerEnd(pending);
        if (end === undefined) {
          if (pending.length > MAX_HEADER_BYTES)
            throw new MultipartError('a part header is longer than 16 KiB', false);
          return false;
        }
        const headers = new Map<string, string>();
        for (const line of pending.subarray(0, end.start).toString('latin1').split(/\r?\n/)) {
          if (line === '') continue;
          const colon = line.indexOf(':');
          if (colon <= 0)
            throw new MultipartError(`a part header line is malformed: ${line.slice(0, 60)}`, false);
          headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        }
        pending = pending.subarray(end.next);
        parts++;
        await handler.begin(headers);
        state = 'body';
        return true;
      }
      case 'body': {
        const at = pending.indexOf(delimiter);
        if (at < 0) {
          // Keep what could be the start of a delimiter split across chunks.
          const keep = delimiter.length;
          if (pending.length > keep) {
            await handler.data(pending.subarray(0, pending.length - keep));
            pending = pending.subarray(pending.length - keep);
          }
          return false;
        }
        const bodyEnd = at > 0 && pending[at - 1] === 0x0d ? at - 1 : at;
        if (bodyEnd > 0) await handler.data(pending.subarray(0, bodyEnd));
        await handler.end();
        pending = pending.subarray(at + delimiter.length);
        state = 'after-boundary';
        return true;
      }
      case 'done':
        return false;
    }
  };

  for await (const chunk of body) {
    if (state === 'done') continue; // an epilogue: ignored, as RFC 2046 says
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (
      state === 'body' &&
      pending.length > 0 &&
      pending.length <= delimiter.length &&
      bytes.length >= delimiter.length
    ) {
      // Inside a body only a short tail is pending. Unless a delimiter starts in it (or right at the
      // chunk's start, after a CR in it), it is plain data: pass it on and keep the chunk uncopied.
      const joint = Buffer.concat([pending, bytes.subarray(0, delimiter.length)]);
      if (joint.indexOf(delimiter) < 0) {
        await handler.data(pending);
        pending = bytes;
      } else pending = Buffer.concat([pending, bytes]);
    } else pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
    while (await step()) {
      // until it needs more input
    }
    // A handler may keep a subarray; `pending` is re-created on the next concat, never reused.
  }
  if (state !== 'done') {
    throw new MultipartError(
      state === 'preamble' && parts === 0 && pending.length === 0
        ? 'the response is empty'
        : `the response stopped ${state === 'body' ? `inside part ${parts}` : `after part ${parts}`} before the closing boundary`,
      true,
    );
  }
  return parts;
}

/** Where the header block ends (a blank line) and the body starts. */
function headerEnd(buf: Buffer): { start: number; next: number } | undefined {
  if (buf[0] === 0x0d && buf[1] === 0x0a) return { start: 0, next: 2 };
  if (buf[0] === 0x0a) return { start: 0, next: 1 };
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { start: crlf, next: crlf + 4 };
  if (lf >= 0) return { start: lf, next: lf + 2 };
  return undefined;
}

/** A multipart failure as the user sees it. */
export function multipartFailure(
  where: string,
  what: string,
  error: MultipartError,
  resumeHint: string,
): MhubError {
  return new MhubError(
    'ENVIRONMENT',
    `${where} sent ${error.truncated ? 'an incomplete' : 'a malformed'} multipart response for ${what}: ${error.message}`,
    error.truncated
      ? resumeHint
      : 'the server or a proxy in between mangled the response; its log may say why',
  );
}

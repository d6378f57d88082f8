// dicomweb+http(s):// addresses: which server, which study, which series. The scheme prefix says
// "this is a DICOMweb service, not a file"; it is dropped before any request is made.
import { MhubError } from '../errors.ts';

export const DICOMWEB_SCHEME = /^dicomweb\+(https?):\/\//i;

export interface DicomwebTarget {
  /** The service root, e.g. http://pacs:8042/dicom-web (no trailing slash). */
  base: string;
  study?: string;
  series?: string;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

export function isDimseUrl(text: string): boolean {
  return /^dimse:\/\//i.test(text);
}

export function isDicomwebUrl(text: string): boolean {
  return DICOMWEB_SCHEME.test(text);
}

/** The address without credentials or query, for messages: what a user may see in a log. */
export function displayUrl(base: string): string {
  try {
    const u = new URL(base);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/$/, '')}`;
  } catch {
    return '(an invalid address)';
  }
}

/**
 * Splits `dicomweb+http(s)://server/root[/studies/UID[/series/UID]]`. `what` names the option
 * in messages (--input, --push). Credentials in the address are refused: they would end up in
 * shell history and logs.
 */
export function parseDicomwebUrl(text: string, what: string, needStudy: boolean): DicomwebTarget {
  const m = DICOMWEB_SCHEME.exec(text);
  if (!m) {
    throw new MhubError('USAGE', `${what} ${text} is not a dicomweb+http(s):// address`);
  }
  let url: URL;
  try {
    url = new URL(`${m[1]!.toLowerCase()}://${text.slice(m[0].length)}`);
  } catch {
    throw new MhubError(
      'USAGE',
      `${what}: the address is not a valid URL`,
      'write dicomweb+http://host:port/root',
    );
  }
  if (url.username || url.password) {
    throw new MhubError(
      'USAGE',
      `${what}: credentials in the address are refused (they would be kept in shell history and logs)`,
      'set MHUB_DICOMWEB_TOKEN, or MHUB_DICOMWEB_USER and MHUB_DICOMWEB_PASSWORD, or a config file (see mhub run --help)',
    );
  }
  const parts = url.pathname.split('/').filter(Boolean);
  const at = parts.indexOf('studies');
  const root = at >= 0 ? parts.slice(0, at) : parts;
  const rest = at >= 0 ? parts.slice(at) : [];
  const base = `${url.protocol}//${url.host}${root.length ? `/${root.join('/')}` : ''}`;
  const target: DicomwebTarget = { base };
  if (rest.length > 0) {
    const ok =
      UID.test(rest[1] ?? '') &&
      (rest.length === 2 || (rest.length === 4 && rest[2] === 'series' && UID.test(rest[3]!)));
    if (!ok) {
      throw new MhubError(
        'USAGE',
        `${what} ${displayUrl(base)}/${rest.join('/')}: expected …/studies/<StudyInstanceUID>[/series/<SeriesInstanceUID>]`,
        'UIDs are digits and dots',
      );
    }
    target.study = rest[1];
    if (rest.length === 4) target.series = rest[3];
  }
  if (needStudy && !target.study) {
    throw new MhubError(
      'USAGE',
      `${what} ${displayUrl(base)} names no study`,
      'append /studies/<StudyInstanceUID> (and /series/<SeriesInstanceUID> to pick one series)',
    );
  }
  if (!needStudy && target.study) {
    throw new MhubError(
      'USAGE',
      `${what} takes the service root, not a study`,
      `use dicomweb+${displayUrl(base)}`,
    );
  }
  return target;
}

/** Query keys that carry credentials on some servers: refused like credentials in the address. */
const SECRET_KEY = /^(access_?token|token|auth\w*|password|passwd|secret|api_?key|key|sig|signature)$/i;

export interface StudyQuery {
  base: string;
  /** The QIDO-RS study query, e.g. ModalitiesInStudy=CT&StudyDate=20240101-20241231. */
  query: URLSearchParams;
}

/**
 * `dicomweb+http(s)://server/root[/studies]?<QIDO query>`: the service root and the study query
 * (`mhub batch --inputs`). A study in the path, credentials in the address or in the query are refused.
 */
export function parseStudyQuery(text: string, what: string): StudyQuery {
  const hash = text.indexOf('#');
  const bare = hash >= 0 ? text.slice(0, hash) : text;
  const at = bare.indexOf('?');
  const address = (at >= 0 ? bare.slice(0, at) : bare).replace(/\/studies\/?$/i, '');
  const query = new URLSearchParams(at >= 0 ? bare.slice(at + 1) : '');
  const { base } = parseDicomwebUrl(address, what, false);
  for (const [key, value] of query) {
    if (SECRET_KEY.test(key)) {
      throw new MhubError(
        'USAGE',
        `${what}: the query parameter ${key} looks like a credential; credentials in the address are refused (they would be kept in shell history, logs and the batch ledger)`,
        'set MHUB_DICOMWEB_TOKEN, or MHUB_DICOMWEB_USER and MHUB_DICOMWEB_PASSWORD, or a config file',
      );
    }
    if (!/^[A-Za-z][A-Za-z0-9]*$|^[0-9A-Fa-f]{8}(\.[0-9A-Fa-f]{8})*$/.test(key) || value === '') {
      throw new MhubError(
        'USAGE',
        `${what}: '${key}=${value}' is not a QIDO-RS query parameter`,
        'write attribute=value pairs, e.g. ?ModalitiesInStudy=CT&StudyDate=20240101-20241231&PatientID=P1',
      );
    }
  }
  return { base, query };
}

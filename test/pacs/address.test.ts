// dicomweb+ addresses and credentials: parsed strictly, credentials never from the command line,
// a config file that others can read refused.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authorizationFor, parseDicomwebUrl, parseStudyQuery } from '../../src/pacs/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'mhub-pacs-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseStudyQuery (mhub batch --inputs)', () => {
  it('splits the service root and the QIDO-RS query, with or without /studies', () => {
    const a = parseStudyQuery(
      'dicomweb+http://pacs:8042/dicom-web?ModalitiesInStudy=CT&StudyDate=20240101-20241231&PatientID=P%201',
      '--inputs',
    );
    expect(a.base).toBe('http://pacs:8042/dicom-web');
    expect([...a.query]).toEqual([
      ['ModalitiesInStudy', 'CT'],
      ['StudyDate', '20240101-20241231'],
      ['PatientID', 'P 1'],
    ]);
    const b = parseStudyQuery('dicomweb+https://h/dw/studies?00080061=MR&limit=10', '--inputs');
    expect(b.base).toBe('https://h/dw');
    expect(b.query.toString()).toBe('00080061=MR&limit=10');
    expect(parseStudyQuery('dicomweb+http://h/dw', '--inputs').query.toString()).toBe('');
  });

  it('refuses credentials (address or query), a study in the path, and what is not a query', () => {
    expect(() => parseStudyQuery('dicomweb+http://u:p@h/dw?ModalitiesInStudy=CT', '--inputs')).toThrow(
      /credentials in the address are refused/,
    );
    for (const key of ['access_token', 'token', 'Password', 'api_key', 'authorization']) {
      expect(() => parseStudyQuery(`dicomweb+http://h/dw?ModalitiesInStudy=CT&${key}=x`, '--inputs')).toThrow(
        new RegExp(`the query parameter ${key} looks like a credential`),
      );
    }
    expect(() => parseStudyQuery('dicomweb+http://h/dw/studies/1.2?PatientID=1', '--inputs')).toThrow(
      /takes the service root, not a study/,
    );
    expect(() => parseStudyQuery('dicomweb+http://h/dw?ModalitiesInStudy', '--inputs')).toThrow(
      /'ModalitiesInStudy=' is not a QIDO-RS query parameter/,
    );
    expect(() => parseStudyQuery('dicomweb+http://h/dw?Study Date=1', '--inputs')).toThrow(
      /is not a QIDO-RS query parameter/,
    );
  });
});

describe('parseDicomwebUrl', () => {
  it('splits server root, study and series', () => {
    expect(
      parseDicomwebUrl('dicomweb+http://pacs:8042/dicom-web/studies/1.2.3/series/4.5', '--input', true),
    ).toEqual({
      base: 'http://pacs:8042/dicom-web',
      study: '1.2.3',
      series: '4.5',
    });
    expect(parseDicomwebUrl('DICOMweb+https://h/a/b/studies/1.2', '--input', true)).toEqual({
      base: 'https://h/a/b',
      study: '1.2',
    });
    expect(parseDicomwebUrl('dicomweb+http://h:1/dicom-web/', '--push', false)).toEqual({
      base: 'http://h:1/dicom-web',
    });
  });

  it('refuses credentials in the address, bad UIDs and a missing or extra study', () => {
    expect(() => parseDicomwebUrl('dicomweb+http://u:p@h/dw/studies/1.2', '--input', true)).toThrow(
      /credentials in the address are refused/,
    );
    expect(() => parseDicomwebUrl('dicomweb+http://h/dw/studies/abc', '--input', true)).toThrow(
      /studies\/<StudyInstanceUID>/,
    );
    expect(() => parseDicomwebUrl('dicomweb+http://h/dw/studies/1.2/instances/3', '--input', true)).toThrow(
      /expected/,
    );
    expect(() => parseDicomwebUrl('dicomweb+http://h/dw', '--input', true)).toThrow(/names no study/);
    expect(() => parseDicomwebUrl('dicomweb+http://h/dw/studies/1.2', '--push', false)).toThrow(
      /service root/,
    );
    expect(() => parseDicomwebUrl('http://h/dw', '--push', false)).toThrow(/not a dicomweb\+http/);
  });
});

describe('authorizationFor', () => {
  const none = path.join(dir, 'absent.json');
  it('takes a bearer token or user and password from the environment', async () => {
    expect(
      await authorizationFor('http://h/dw', { MHUB_DICOMWEB_TOKEN: 't0k', MHUB_DICOMWEB_CONFIG: none }),
    ).toBe('Bearer t0k');
    expect(
      await authorizationFor('http://h/dw', {
        MHUB_DICOMWEB_USER: 'al',
        MHUB_DICOMWEB_PASSWORD: 'pw',
        MHUB_DICOMWEB_CONFIG: none,
      }),
    ).toBe(`Basic ${Buffer.from('al:pw').toString('base64')}`);
    await expect(
      authorizationFor('http://h/dw', { MHUB_DICOMWEB_USER: 'al', MHUB_DICOMWEB_CONFIG: none }),
    ).rejects.toThrow(/MHUB_DICOMWEB_PASSWORD is not/);
    expect(await authorizationFor('http://h/dw', { MHUB_DICOMWEB_CONFIG: none })).toBeUndefined();
  });

  it('reads an owner-only config file, matches the server by prefix, refuses a readable one', async () => {
    const file = path.join(dir, 'dicomweb.json');
    writeFileSync(
      file,
      JSON.stringify({
        servers: {
          'http://h/dw': { token: 'short' },
          'dicomweb+http://h/dw/deeper': { user: 'u', password: 'p' },
        },
      }),
    );
    const env = { MHUB_DICOMWEB_CONFIG: file };
    chmodSync(file, 0o644);
    const refused = authorizationFor('http://h/dw', env);
    await expect(refused).rejects.toThrow(/mode is 644: other users can read it/);
    await expect(refused).rejects.toMatchObject({ code: 'ENVIRONMENT', hint: `chmod 600 ${file}` });
    chmodSync(file, 0o600);
    expect(await authorizationFor('http://h/dw', env)).toBe('Bearer short');
    expect(await authorizationFor('http://h/dw/deeper', env)).toBe(
      `Basic ${Buffer.from('u:p').toString('base64')}`,
    );
    // Not a prefix match on the host: never sent to another server.
    expect(await authorizationFor('http://h/dwx', env)).toBeUndefined();
    expect(await authorizationFor('http://other/dw', env)).toBeUndefined();
    writeFileSync(file, '{"servers": 3}');
    await expect(authorizationFor('http://h/dw', env)).rejects.toThrow(/field servers is missing/);
  });
});

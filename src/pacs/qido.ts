// QIDO-RS: which series a study holds (modality, body part, size) and which instances a series holds.
import { firstValue, readJsonArray, request, type Server } from './http.ts';

export interface SeriesInfo {
  uid: string;
  modality: string;
  bodyPart?: string;
  description?: string;
  instances?: number;
}

const TAG = {
  series: '0020000E',
  modality: '00080060',
  bodyPart: '00180015',
  description: '0008103E',
  count: '00201209',
  sop: '00080018',
} as const;

export async function listSeries(server: Server, study: string): Promise<SeriesInfo[]> {
  const what = `the series of study ${study}`;
  const fields = [TAG.bodyPart, TAG.description, TAG.count].map((t) => `includefield=${t}`).join('&');
  const response = await request(server, `/studies/${study}/series?${fields}`, {
    accept: 'application/dicom+json',
    what,
    notFound: `study ${study} is not on the server`,
  });
  const items = await readJsonArray(response, server, what);
  return items.flatMap((item) => {
    const uid = firstValue(item, TAG.series);
    if (!uid) return [];
    const count = firstValue(item, TAG.count);
    return [
      {
        uid,
        modality: firstValue(item, TAG.modality) ?? '',
        bodyPart: firstValue(item, TAG.bodyPart),
        description: firstValue(item, TAG.description),
        instances: count === undefined ? undefined : Number(count),
      },
    ];
  });
}

/** SOP Instance UIDs of a series. */
export async function listInstances(server: Server, study: string, series: string): Promise<string[]> {
  const what = `the instances of series ${series}`;
  const response = await request(server, `/studies/${study}/series/${series}/instances`, {
    accept: 'application/dicom+json',
    what,
    notFound: `series ${series} of study ${study} is not on the server`,
  });
  const items = await readJsonArray(response, server, what);
  return items.flatMap((item) => firstValue(item, TAG.sop) ?? []);
}

export interface StudyInfo {
  uid: string;
  patientId?: string;
  date?: string;
  description?: string;
  modalities: string[];
}

const STUDY_TAG = {
  study: '0020000D',
  patientId: '00100020',
  date: '00080020',
  description: '00081030',
  modalities: '00080061',
} as const;

/** Studies asked for per request while paging with limit/offset (servers may cap it lower). */
export const STUDY_PAGE = 500;

/**
 * QIDO-RS `/studies?<query>`: every matching study, in the server's order. Without `limit` or
 * `offset` in the query the answer is paged (a server may cap one answer silently) until a page
 * brings no new study; with either, one request as given.
 */
export async function queryStudies(
  server: Server,
  query: URLSearchParams,
  pageSize = STUDY_PAGE,
): Promise<StudyInfo[]> {
  const what = `the studies matching ${query.toString() || 'no filter'}`;
  const fields = [STUDY_TAG.patientId, STUDY_TAG.date, STUDY_TAG.description, STUDY_TAG.modalities];
  const paged = !query.has('limit') && !query.has('offset');
  const found = new Map<string, StudyInfo>();
  for (let offset = 0; ; ) {
    const params = new URLSearchParams(query);
    for (const f of fields) params.append('includefield', f);
    if (paged) {
      params.set('limit', String(pageSize));
      params.set('offset', String(offset));
    }
    const response = await request(server, `/studies?${params}`, { accept: 'application/dicom+json', what });
    const items = await readJsonArray(response, server, what);
    let added = 0;
    for (const item of items) {
      const uid = firstValue(item, STUDY_TAG.study);
      if (!uid || found.has(uid)) continue;
      added++;
      const modalities = (item[STUDY_TAG.modalities]?.Value ?? []).map(String);
      found.set(uid, {
        uid,
        patientId: firstValue(item, STUDY_TAG.patientId),
        date: firstValue(item, STUDY_TAG.date),
        description: firstValue(item, STUDY_TAG.description),
        modalities,
      });
    }
    // A server that ignores offset sends the same page again: no new study ends the paging too.
    if (!paged || items.length === 0 || added === 0) break;
    offset += items.length;
  }
  return [...found.values()];
}

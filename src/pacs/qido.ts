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

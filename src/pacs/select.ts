// Which series of a study feed which of the card's inputs: by modality, then body part where the
// card names one and the series says one. A series named in the address is checked, not trusted.
import { MhubError } from '../errors.ts';
import type { SeriesInfo } from './qido.ts';

export interface CardInput {
  id: string;
  label: string;
  modality: readonly string[];
  bodyPart?: string;
}

const summary = (series: readonly SeriesInfo[]) =>
  series.map((s) => `${s.modality || '?'} ${s.uid}${s.description ? ` (${s.description})` : ''}`).join('; ');

function fits(input: CardInput, series: SeriesInfo): boolean {
  if (!input.modality.includes(series.modality.toUpperCase())) return false;
  if (!input.bodyPart || !series.bodyPart) return true;
  return series.bodyPart.toUpperCase() === input.bodyPart.toUpperCase();
}

/** Input id -> the series that feeds it. */
export function selectSeries(
  model: string,
  inputs: readonly CardInput[],
  all: readonly SeriesInfo[],
  study: string,
  wanted?: string,
): Map<string, SeriesInfo> {
  const candidates = wanted ? all.filter((s) => s.uid === wanted) : all;
  if (wanted && candidates.length === 0) {
    throw new MhubError(
      'NOT_FOUND',
      `series ${wanted} is not in study ${study}`,
      `the study holds: ${summary(all)}`,
    );
  }
  const chosen = new Map<string, SeriesInfo>();
  for (const input of inputs) {
    const matching = candidates.filter((s) => fits(input, s) && ![...chosen.values()].includes(s));
    const need = `${input.modality.join(' or ')}${input.bodyPart ? ` of the ${input.bodyPart.toLowerCase()}` : ''}`;
    if (matching.length === 0) {
      throw new MhubError(
        'INVALID_INPUT',
        `${wanted ? `series ${wanted}` : `study ${study}`} has no series that ${model} can read as ${input.id} (${need})`,
        `it holds: ${summary(candidates)}`,
      );
    }
    if (matching.length > 1) {
      throw new MhubError(
        'INVALID_INPUT',
        `study ${study} has ${matching.length} series that fit ${model}'s input ${input.id} (${need})`,
        `name one in the address: …/studies/${study}/series/<UID>, one of ${matching.map((s) => s.uid).join(', ')}`,
      );
    }
    chosen.set(input.id, matching[0]!);
  }
  return chosen;
}

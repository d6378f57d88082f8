import { isMhubError, type MhubError } from '../../src/errors.ts';

/** The MhubError a promise rejects with (fails the test on success or on any other error). */
export async function rejection(promise: Promise<unknown>): Promise<MhubError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isMhubError(error)) throw new Error(`expected an MhubError, got ${String(error)}`);
  return error;
}

/** The fixtures' repository and commits (test/contrib/fixtures/github/). */
export const R = '/repos/mhub-org/registry';
export const HEAD42 = '4242424242424242424242424242424242424242';

/** PR #42 of the fixtures: adds one valid card, registry/models/liver_seg.md. */
export const pr42Routes = {
  [`GET ${R}/pulls/42`]: { fixture: 'pulls-42.json' },
  [`GET ${R}/pulls/42/files?per_page=100`]: { fixture: 'pulls-42-files.json' },
  [`GET ${R}/contents/registry/models/liver_seg.md?ref=${HEAD42}`]: {
    fixture: 'contents-liver_seg-head42.json',
  },
};

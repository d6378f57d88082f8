// `node scripts/device/compare-labels.ts OUT.nii.gz REFERENCE.nii.gz MIN_DICE`: the comparison
// `mhub test` makes (geometry, per-segment Dice, voxel mismatch), for two files; exit 0 when
// every segment's Dice is at least MIN_DICE. Used by gpu-check.sh (CPU result vs GPU result).
import { readLabelMap } from '../../src/io/index.ts';
import { compareLabelMaps } from '../../src/verify/index.ts';

const [output, reference, min = '0.99'] = process.argv.slice(2);
if (!output || !reference) {
  console.error('usage: node scripts/device/compare-labels.ts OUTPUT REFERENCE [MIN_DICE]');
  process.exit(2);
}
const r = compareLabelMaps(
  (await readLabelMap(output)).labelMap,
  (await readLabelMap(reference)).labelMap,
  { dice: { min: Number(min) } },
  ['BODY', 'RIGHT_LUNG', 'LEFT_LUNG', 'BONE'],
);
console.log(r.message);
for (const s of r.segments ?? [])
  console.log(
    `  ${s.segment ?? `label ${s.label}`}: Dice ${s.dice} (${s.referenceVoxels} / ${s.outputVoxels} voxels)`,
  );
process.exit(r.ok ? 0 : 1);

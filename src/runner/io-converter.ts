// The standard I/O (src/io, issue 3) behind the runner's Converter seam: DICOM <-> NIfTI/NRRD
// for inputs, label maps -> DICOM SEG / .seg.nrrd / NIfTI (+ label sidecar) for outputs.
import type { Converter } from './convert.ts';

export function ioConverter(): Converter {
  // Loaded on first use: runs that need no conversion don't pay for the DICOM stack.
  const io = () => import('../io/index.ts');
  return {
    async convertInput({ source, target, targetFormat, tiltCorrect, progress }) {
      const result = await (await io()).convert(source.path, {
        to: targetFormat,
        out: target,
        tiltCorrect,
        progress,
      });
      return result.warnings;
    },
    async checkInput(source, progress) {
      // The same reader a conversion uses: header checks, sizes, gzip bombs, 4-D without --volume.
      await (await io()).readVolume(source.path, { progress });
      return undefined;
    },
    async convertOutput({ source, target, targetFormat, segments, reference, progress }) {
      const labels = segments.map(({ id, ...rest }, index) => ({ value: index + 1, id, ...rest }));
      const result = await (await io()).convert(source, {
        to: targetFormat === 'dicom' ? 'dicomseg' : targetFormat,
        out: target,
        ...(labels.length ? { labels } : {}),
        ...(reference?.format === 'dicom' ? { reference: reference.path } : {}),
        progress,
      });
      return result.warnings;
    },
  };
}

// One timed conversion in a fresh process, so its peak memory (maxRSS) is its own.
// Usage: node bench/convert-child.ts nifti <dicom dir> <out.nii[.gz]>
//        node bench/convert-child.ts seg <labelmap.nii> <reference dir> <card.md> <out.dcm>
import { performance } from 'node:perf_hooks';
import {
  convert,
  loadLabels,
  pickSeries,
  readLabelMap,
  scanDicom,
  seriesGeometry,
  writeDicomSeg,
} from '../src/io/index.ts';

const [mode, ...args] = process.argv.slice(2);
const t0 = performance.now();
const result: Record<string, number> = {};
if (mode === 'nifti') {
  await convert(args[0]!, { to: 'nifti', out: args[1]! });
} else if (mode === 'seg') {
  const [labelMapFile, referenceDir, card, out] = args as [string, string, string, string];
  const reference = pickSeries(await scanDicom(referenceDir));
  const labels = await loadLabels(card);
  const { labelMap } = await readLabelMap(labelMapFile, { reference: seriesGeometry(reference) });
  // The write step alone, best of three (the machine may be busy); the first counts in `seconds`.
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const t1 = performance.now();
    const r = await writeDicomSeg(out, labelMap, labels, reference, { algorithm: 'bench' });
    times.push((performance.now() - t1) / 1000);
    result.frames = r.frames;
    if (run === 0) result.seconds = (performance.now() - t0) / 1000;
  }
  result.writeSeconds = Math.min(...times);
} else throw new Error(`unknown mode ${mode}`);
result.seconds ??= (performance.now() - t0) / 1000;
result.maxRssBytes = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify(result)}\n`);

// `mhub convert <input> --to nifti|nrrd|dicom|dicomseg|seg.nrrd --out <path>`, and `--list` to
// show the studies and series a DICOM folder holds.
import { type Command, Option } from 'commander';
import { MhubError } from '../../errors.ts';
import { OUTPUT_FORMATS, type OutputFormat } from '../../io/index.ts';
import { progressRenderer } from '../../progress.ts';
import type { CliIO } from '../io.ts';

interface ConvertFlags {
  to?: OutputFormat;
  out?: string;
  series?: string;
  reference?: string;
  labels?: string;
  outputId?: string;
  dropEmpty?: boolean;
  level?: string;
  volume?: string;
  compress: boolean;
  list?: boolean;
  tiltCorrect?: boolean;
  json?: boolean;
  force?: boolean;
}

export function register(command: Command, io: CliIO): void {
  command
    .argument('<input>', 'a DICOM folder or file, .nii/.nii.gz, .nrrd, .seg.nrrd or a DICOM SEG')
    .addOption(new Option('--to <format>', 'output format').choices([...OUTPUT_FORMATS]))
    .option('--out <path>', 'output file (a folder for --to dicom)')
    .option('--series <uid>', 'SeriesInstanceUID to use when a folder holds several series')
    .option('--reference <dir>', 'DICOM series the label map belongs to (required for --to dicomseg)')
    .option('--labels <file>', 'label table: a model card (.md) or JSON')
    .option('--output-id <id>', "which of the card's segmentation outputs the labels come from")
    .option('--drop-empty', 'leave segments without voxels out of the DICOM SEG')
    .option('--volume <n>', 'which volume (from 0) of a 4-D NIfTI input to convert')
    .option('--level <n>', 'gzip level 1-9 for compressed outputs (default 6)')
    .option('--no-compress', 'write NRRD data uncompressed')
    .option('--force', 'replace an existing output (the old one goes only once the new one is complete)')
    .option('--list', 'only list the studies and series the input holds')
    .option(
      '--tilt-correct',
      'resample a tilted/sheared grid (CT gantry tilt) to an orthogonal one, as dcm2niix does',
    )
    .option('--json', 'print the result as JSON; progress as plain lines')
    .action(async (input: string, flags: ConvertFlags) => {
      const renderer = progressRenderer({ isTTY: io.isTTY, json: flags.json, err: io.err });
      try {
        if (flags.list) return await list(input, io, flags.json);
        if (!flags.to || !flags.out) {
          throw new MhubError(
            'USAGE',
            'convert needs --to <format> and --out <path>',
            'e.g. mhub convert ./dicom --to nifti --out ct.nii.gz',
          );
        }
        const level = flags.level === undefined ? undefined : Number(flags.level);
        if (level !== undefined && !(Number.isInteger(level) && level >= 1 && level <= 9)) {
          throw new MhubError(
            'USAGE',
            `--level ${flags.level} is not a gzip level`,
            'give a whole number from 1 to 9',
          );
        }
        const volume = flags.volume === undefined ? undefined : Number(flags.volume);
        if (volume !== undefined && !(Number.isInteger(volume) && volume >= 0)) {
          throw new MhubError(
            'USAGE',
            `--volume ${flags.volume} is not a volume index`,
            'give a whole number from 0 (the first volume)',
          );
        }
        const { convert, describeTilt } = await import('../../io/index.ts');
        const result = await convert(input, {
          to: flags.to,
          out: flags.out,
          series: flags.series,
          reference: flags.reference,
          labels: flags.labels,
          outputId: flags.outputId,
          dropEmpty: flags.dropEmpty,
          level,
          volume,
          compress: flags.compress,
          tiltCorrect: flags.tiltCorrect,
          force: flags.force,
          progress: renderer.progress,
        });
        renderer.close();
        if (flags.json) return io.out(JSON.stringify(result, null, 2));
        for (const w of result.warnings) io.err(`warning: ${w}`);
        if (result.tiltCorrection) io.err(`note: ${describeTilt(result.tiltCorrection)}`);
        if (result.skipped) io.err(`skipped ${result.skipped} non-DICOM file(s)`);
        const what = result.segments !== undefined ? `, ${result.segments} segments` : '';
        io.out(`wrote ${result.outputs.join(', ')} (${result.size.join('x')} voxels${what})`);
      } finally {
        renderer.close();
      }
    });
}

async function list(input: string, io: CliIO, json?: boolean): Promise<void> {
  const { scanDicom, describeSeries } = await import('../../io/index.ts');
  const scan = await scanDicom(input);
  if (json) {
    const series = scan.series.map(({ instances, ...s }) => ({ ...s, files: instances.length }));
    const studies = scan.studies.map(({ series: inStudy, ...st }) => ({
      ...st,
      series: inStudy.map((s) => s.seriesInstanceUid),
    }));
    io.out(
      JSON.stringify(
        {
          root: scan.root,
          fileCount: scan.fileCount,
          skipped: scan.skipped.length,
          unreadable: scan.unreadable,
          studies,
          series,
        },
        null,
        2,
      ),
    );
    return;
  }
  io.out(
    `${scan.fileCount} file(s), ${scan.skipped.length} skipped (not DICOM)${scan.unreadable.length ? `, ${scan.unreadable.length} unreadable` : ''}`,
  );
  for (const u of scan.unreadable) io.out(`unreadable: ${u.file}: ${u.reason}`);
  for (const study of scan.studies) {
    io.out(
      `study ${study.studyInstanceUid} patient ${study.patientId ?? '?'} ${study.patientName ?? ''} ${study.studyDate ?? ''} ${study.description ?? ''}`
        .replace(/ {2,}/g, ' ')
        .trimEnd(),
    );
    for (const s of study.series) {
      io.out(`  ${describeSeries(s)}${s.multiFrame ? ' multi-frame' : ''}`);
      for (const p of s.problems) io.out(`    cannot be read as a volume: ${p}`);
      for (const w of s.warnings) io.out(`    warning: ${w}`);
    }
  }
}

// The conversion seam between what the user has and what the model declares. The runner
// only moves data in the format it already has (NIfTI/NRRD pass-through, DICOM folders);
// real conversions (DICOM <-> NIfTI/NRRD, DICOM SEG, .seg.nrrd) are the standard I/O's job
// (src/io) and plug in as a `Converter` (see io-converter.ts).
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { MhubError } from '../errors.ts';
import { realFiles } from '../fsafe/index.ts';
import type { ResolvedSegment } from '../registry/index.ts';
import type { DataFormat, UserData } from './formats.ts';
import type { Progress } from './progress-events.ts';

export interface InputConversion {
  source: UserData;
  /** The file or folder to create. */
  target: string;
  targetFormat: 'dicom' | 'nifti' | 'nrrd';
  /** --tilt-correct: resample a tilted/sheared grid onto an orthogonal one. */
  tiltCorrect?: boolean;
  progress: Progress;
}

export interface OutputConversion {
  /** A file the model wrote. */
  source: string;
  sourceFormat: DataFormat;
  /** The file to create. */
  target: string;
  targetFormat: DataFormat;
  /** Label k is segments[k-1]: names, codes and colours for DICOM SEG and .seg.nrrd. */
  segments: readonly ResolvedSegment[];
  /** The user's input, the reference a DICOM SEG points to. */
  reference: UserData | undefined;
  progress: Progress;
}

/** Each step resolves to the warnings the user should see (repaired text, skipped files...). */
export type Warnings = string[] | undefined;

export interface Converter {
  convertInput(request: InputConversion): Promise<Warnings | void>;
  convertOutput(request: OutputConversion): Promise<Warnings | void>;
  /**
   * Reads a file that is handed to the model unconverted, validating its header and data as a
   * conversion would: a hostile or broken NIfTI/NRRD is refused here, never given to a model.
   */
  checkInput?(source: UserData, progress: Progress): Promise<Warnings>;
}

/** Hard link when possible (no copy, same inode: still read-only in the container), else copy. */
export async function linkOrCopy(source: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  try {
    await link(source, target);
  } catch {
    await copyFile(source, target);
  }
}

/** The folder's files, symlinks resolved (src/fsafe), as real files: the same under both backends. */
async function linkTree(source: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const f of await realFiles(source)) await linkOrCopy(f.real, path.join(target, f.rel));
}

const unsupported = (what: string, hint: string) =>
  new MhubError(
    'INVALID_INPUT',
    `${what} needs a format conversion that this build of mhub does not have (the standard I/O, src/io)`,
    hint,
  );

/** Moves data that is already in the wanted format; delegates everything else to `next`. */
export function passThroughConverter(next?: Converter): Converter {
  return {
    async convertInput(request) {
      const { source, target, targetFormat } = request;
      if (source.format === targetFormat && request.tiltCorrect) {
        throw new MhubError(
          'USAGE',
          `--tilt-correct resamples while converting, but the model reads ${source.path} as ${targetFormat} unconverted`,
          'drop --tilt-correct, or resample first with mhub convert --tilt-correct and pass that file',
        );
      }
      // A .hdr/.img pair is one volume in two files: the model gets it as one .nii.gz.
      if (source.format === targetFormat && source.pair && next) return next.convertInput(request);
      if (source.format === targetFormat) {
        if (source.format === 'dicom') return linkTree(source.path, target);
        const warnings = await next?.checkInput?.(source, request.progress);
        if (source.format === 'nifti' && !source.gzipped && target.endsWith('.gz')) {
          // The files interface names inputs <id>.nii.gz: compress a plain .nii on the way.
          await mkdir(path.dirname(target), { recursive: true });
          await pipeline(createReadStream(source.path), createGzip({ level: 1 }), createWriteStream(target));
          return warnings;
        }
        await linkOrCopy(source.path, target);
        return warnings;
      }
      if (next) return next.convertInput(request);
      throw unsupported(
        `input ${source.path} is ${source.format} but the model reads ${targetFormat}, which`,
        `give the input as ${targetFormat === 'dicom' ? 'a DICOM folder' : targetFormat}`,
      );
    },
    async convertOutput(request) {
      if (request.sourceFormat === request.targetFormat) return linkOrCopy(request.source, request.target);
      if (next) return next.convertOutput(request);
      throw unsupported(
        `writing ${request.targetFormat} from the model's ${request.sourceFormat} output`,
        `use --output-format native (the model's own ${request.sourceFormat})`,
      );
    },
  };
}

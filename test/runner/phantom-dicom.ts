// The reference DICOM phantom, free of vitest so that benchmarks can use it too.
import { execFileSync } from 'node:child_process';

/** The DICOM phantom, written by the mhub image's own pydicom (the host needs none). */
export function writePhantomDicom(work: string): void {
  execFileSync('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '-u',
    `${process.getuid?.()}:${process.getgid?.()}`,
    '-v',
    `${work}:/w`,
    '--entrypoint',
    'python3',
    'mhub-registry/classical_ct_mhub:1.0.0',
    '-m',
    'classical_ct_mhub.phantom',
    '/w/phantom',
  ]);
}

// The `--check` / write step the generators share: with --check, exit 1 when the committed file
// differs from what the generator makes now; otherwise write it (temp file, then rename).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export async function writeOrCheck(target: URL, text: string, regenerate: string): Promise<void> {
  const name = fileURLToPath(target).replace(`${fileURLToPath(new URL('..', import.meta.url))}`, '');
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${name} is out of date: run ${regenerate}`);
      process.exit(1);
    }
    return;
  }
  const temp = new URL(`${target.href}.tmp-${process.pid}`);
  await writeFile(temp, text);
  await rename(temp, target);
  console.log(`wrote ${name}`);
}

// Writes a generated file, or with `--check` fails when the committed copy is out of date.
import { readFile, writeFile } from 'node:fs/promises';

export async function writeOrCheck(target: URL | string, text: string, name: string, command: string) {
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${name} is out of date: run ${command}`);
      process.exit(1);
    }
  } else {
    await writeFile(target, text);
    console.log(`wrote ${name}`);
  }
}

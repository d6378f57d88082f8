// Writes templates/slicer/MHubLib/contract_gen.py from src/runner/contract, so the Slicer
// launcher runs the same contract as `mhub run`. `--check` fails when the committed file is out of date.
import { readFile, writeFile } from 'node:fs/promises';
import { CONTRACT_PY, contractPython } from '../src/generator/contract-py.ts';

const text = contractPython();
if (process.argv.includes('--check')) {
  const current = await readFile(CONTRACT_PY, 'utf8').catch(() => '');
  if (current !== text) {
    console.error('templates/slicer/MHubLib/contract_gen.py is out of date: run npm run gen:contract');
    process.exit(1);
  }
} else {
  await writeFile(CONTRACT_PY, text);
  console.log('wrote templates/slicer/MHubLib/contract_gen.py');
}

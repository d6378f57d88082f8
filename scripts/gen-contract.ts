// Writes templates/slicer/MHubLib/contract_gen.py from src/runner/contract, so the Slicer
// launcher runs the same contract as `mhub run`. `--check` fails when the committed file is out of date.
import { CONTRACT_PY, contractPython } from '../src/generator/contract-py.ts';
import { writeOrCheck } from './generated-file.ts';

await writeOrCheck(
  CONTRACT_PY,
  contractPython(),
  'templates/slicer/MHubLib/contract_gen.py',
  'npm run gen:contract',
);

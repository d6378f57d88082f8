// The per-model data a generated module carries: one plain object written as a single Python
// literal (MODEL = {...}) so that card text reaches the module only through pyLiteral.

import type { CardRecord, ModelCard, Output, ResolvedSegment, Terminology } from '../registry/index.ts';
import { defaultWorkflow } from '../registry/index.ts';
import {
  containerCommand,
  envKey,
  expectedOutputs,
  filesInterfaceOutputs,
  imageReference,
} from '../runner/index.ts';
import { htmlText } from './escape.ts';
import { moduleName } from './names.ts';

/** A segment as the module carries it: its label value and its resolved codes and colour. */
export type SegmentSpec = { label: number } & ResolvedSegment;

/** File stem for an output's resources: generated names only, never raw card text. */
function resourceStem(cardName: string, outputId: string): string {
  return `${moduleName(cardName)}_${outputId.replace(/[^A-Za-z0-9_]/g, '_') || 'output'}`;
}

/** Slicer node class for an input: segmentations for DICOM SEG inputs, scalar volumes otherwise. */
export function nodeClassFor(format: string): string {
  return format === 'dicomseg' ? 'vtkMRMLSegmentationNode' : 'vtkMRMLScalarVolumeNode';
}

function resolveSegments(output: Output & { segments: string[] }, terminology: Terminology): SegmentSpec[] {
  return output.segments.map((id, i) => {
    const s: ResolvedSegment | undefined = terminology.resolve(id);
    if (!s) throw new Error(`segment '${id}' is not in the terminology`);
    return { label: i + 1, ...s };
  });
}

function helpText(card: ModelCard, body: string): string {
  const inputs = card.inputs
    .map((i) => `<li>${htmlText(i.label)} (${htmlText(i.modality.join('/'))}, ${htmlText(i.format)})</li>`)
    .join('');
  const links = Object.entries(card.links ?? {})
    .map(([k, url]) => `<a href="${htmlText(url)}">${htmlText(k)}</a>`)
    .join(' · ');
  const intended = /## Intended Use\s+([\s\S]*?)(\n## |$)/.exec(body)?.[1]?.trim();
  return [
    `<p>${htmlText(card.description)}</p>`,
    intended ? `<p>${htmlText(intended)}</p>` : '',
    `<p>Inputs:</p><ul>${inputs}</ul>`,
    links ? `<p>${links}</p>` : '',
    '<p>Research use only: not for clinical decisions.</p>',
  ]
    .filter(Boolean)
    .join('\n');
}

function acknowledgementText(card: ModelCard): string {
  const who = card.authors?.join(', ') ?? card.team;
  return [
    who ? `<p>Model by ${htmlText(who)}.</p>` : '',
    card.cite ? `<p>Please cite: ${htmlText(card.cite)}</p>` : '',
    `<p>Licence: code ${htmlText(card.license.code)}, weights ${htmlText(card.license.weights)}.</p>`,
    '<p>Module generated from the model registry (compatible with MHub.ai).</p>',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Everything the generated module needs about one model, as plain JSON-able data. */
export function modelSpec(record: CardRecord, terminology: Terminology) {
  const { card, body } = record;
  const docker = card.runtimes.docker;
  const venv = card.runtimes.venv;
  const workflowName = docker ? defaultWorkflow(docker) : undefined;
  const workflow = docker?.workflows?.find((w) => w.name === workflowName);
  return {
    name: card.name,
    module: moduleName(card.name),
    title: card.title,
    version: card.version,
    description: card.description,
    helpText: helpText(card, body),
    acknowledgementText: acknowledgementText(card),
    contributors: card.authors ?? (card.team ? [card.team] : ['MHub model registry']),
    gpu: card.requirements.gpu,
    inputs: card.inputs.map((i) => ({
      id: i.id,
      label: i.label,
      description: i.description ?? '',
      modality: [...i.modality],
      format: i.format,
      nodeClass: nodeClassFor(i.format),
    })),
    outputs: card.outputs.map((o) => ({
      id: o.id,
      type: o.type,
      label: o.label ?? o.id,
      ...(o.type === 'segmentation'
        ? {
            segments: resolveSegments(o, terminology),
            // module resources (relative to the module folder) the Logic loads at import time
            colorTable: `Resources/ColorTables/${resourceStem(card.name, o.id)}.csv`,
            terminologyFile: `Resources/Terminology/${resourceStem(card.name, o.id)}.term.json`,
            // the file's SegmentationCategoryTypeContextName, which each segment's entry names
            terminologyContext: `${card.title} (${o.label ?? o.id})`,
          }
        : {}),
      ...(o.type === 'prediction' ? { valueType: o.valueType, unit: o.unit ?? '' } : {}),
      ...(o.type === 'classification' ? { classes: [...o.classes] } : {}),
    })),
    runtimes: {
      ...(docker
        ? {
            docker: {
              image: docker.image,
              tag: docker.tag ?? 'latest',
              digest: docker.digest ?? '',
              interface: docker.interface,
              workflow: workflow?.name ?? '',
              // the contract's values for this runtime, computed here so MHubLib cannot differ
              reference: imageReference(docker),
              command: containerCommand(docker.interface, workflowName) ?? [],
              expectedOutputs: expectedOutputs(card, docker, workflowName ?? 'default'),
            },
          }
        : {}),
      ...(venv
        ? {
            venv: {
              python: venv.python,
              requirements: venv.requirements,
              entrypoint: venv.entrypoint,
              source: venv.source ?? {},
              weights: venv.weights ?? [],
              interface: venv.interface,
              envKey: envKey(venv),
              expectedOutputs: filesInterfaceOutputs(card),
            },
          }
        : {}),
    },
  };
}

export type ModelSpec = ReturnType<typeof modelSpec>;

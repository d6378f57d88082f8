// Slicer naming for generated modules: card `bamf_nnunet_ct_kidney` -> module `MHubBamfNnunetCtKidney`
// (the prefix keeps generated modules apart from Slicer's own and other extensions' modules).
import { identifier } from './escape.ts';

export const EXTENSION_NAME = 'MHubModels';
export const BROWSER_MODULE = 'MHubModelBrowser';
export const LIB_PACKAGE = 'MHubLib';
export const SLICER_PACKAGE = 'MHubSlicer';

export function moduleName(cardName: string): string {
  // the registry's schema allows only these; anything else must not reach generated code
  if (!/^[a-z0-9_]+$/.test(cardName)) throw new Error(`card name '${cardName}' is not a safe identifier`);
  const pascal = cardName
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  return identifier(`MHub${pascal}`);
}

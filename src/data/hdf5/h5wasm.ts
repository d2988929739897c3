// Loads h5wasm, an ES module (see src/util/esm-import.ts), once.
import type * as H5 from 'h5wasm';
import { importEsm } from '../../util/esm-import';

export type H5Module = typeof H5;

let loaded: Promise<H5Module> | undefined;

export function loadH5wasm(): Promise<H5Module> {
  loaded ??= (async () => {
    const mod = await importEsm<H5Module & { default?: H5Module }>('h5wasm/node');
    const h5 = (mod.default ?? mod) as H5Module;
    await h5.ready;
    return h5;
  })();
  return loaded;
}

// h5wasm ships only as an ES module; ssgan compiles to CommonJS, where TypeScript would turn a
// plain `import()` into `require()`. This keeps a real dynamic import and loads it once.
import type * as H5 from 'h5wasm';

export type H5Module = typeof H5;

const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;
let loaded: Promise<H5Module> | undefined;

export function loadH5wasm(): Promise<H5Module> {
  loaded ??= (async () => {
    const mod = (await importEsm('h5wasm/node')) as H5Module & { default?: H5Module };
    const h5 = (mod.default ?? mod) as H5Module;
    await h5.ready;
    return h5;
  })();
  return loaded;
}

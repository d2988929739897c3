// Some dependencies (h5wasm, vega, vega-lite) ship only as ES modules. ssgan compiles to CommonJS,
// where TypeScript turns a plain `import()` into `require()`, which cannot load them; this keeps a
// real dynamic import. Specifiers resolve from this file, so from any working directory.
const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

export function importEsm<T>(specifier: string): Promise<T> {
  return dynamicImport(specifier) as Promise<T>;
}

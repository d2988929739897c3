// vega and vega-lite are ESM-only with top-level await, so `require()` can't
// load them, and TypeScript's CommonJS output rewrites `import()` into
// `require()`. Build a real dynamic import instead, on an absolute path
// resolved from this file so it works from any working directory.
import { pathToFileURL } from 'url';

const dynamicImport = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

export async function importEsm<T>(specifier: string): Promise<T> {
  const resolved = require.resolve(specifier);
  return (await dynamicImport(pathToFileURL(resolved).href)) as T;
}

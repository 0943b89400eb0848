// Module resolution hooks registered by register.mjs: a bare specifier that does not resolve from
// its importer is resolved as if imported from a file in each of the given node_modules folders.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

let dirs = [];

export function initialize(data) {
  dirs = (data && data.dirs) || [];
}

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || /^(\.|\/|node:|file:|data:)/.test(specifier)) throw e;
    for (const d of dirs) {
      try {
        const parentURL = pathToFileURL(join(d, 'x.mjs')).href;
        return await next(specifier, { ...context, parentURL });
      } catch { /* the next folder */ }
    }
    throw e;
  }
}

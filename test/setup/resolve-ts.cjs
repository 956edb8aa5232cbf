// Jest loads globalSetup through Node's CommonJS resolver, which does not map the ESM-style
// "./x.js" specifiers in our TypeScript sources to "./x.ts"; this hook does, for project files only.
const Module = require('node:module');
const path = require('node:path');
const root = path.resolve(__dirname, '../..');
const original = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request.endsWith('.js') && request.startsWith('.') && parent?.filename?.startsWith(root) && !parent.filename.includes('node_modules')) {
    try {
      return original.call(this, request.slice(0, -3) + '.ts', parent, ...rest);
    } catch {
      /* fall through to the original specifier */
    }
  }
  return original.call(this, request, parent, ...rest);
};

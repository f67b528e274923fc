#!/usr/bin/env node
// The `switchyard` command. In a clone of the repository it runs the TypeScript sources (Node 24
// strips their types); the installed package carries no sources but the JavaScript that `npm pack`
// compiled into dist/, because Node does not strip types under node_modules. The sources win when
// present, so a dist/ left over from an earlier pack never runs in place of the code being edited
// (docs/design/2026-12-03-package.md).
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

// Node keeps the compiled (and type-stripped) modules in a cache on disk (in the temporary
// directory; NODE_COMPILE_CACHE names another, NODE_DISABLE_COMPILE_CACHE=1 turns it off): every
// start after the first skips stripping and compiling, and never loads the type stripper, which
// alone is some 30 MB of the process. A start where the cache cannot be written works as before.
enableCompileCache();
const sources = new URL('../src/cli/main.ts', import.meta.url);
await import(existsSync(sources) ? sources.href : '../dist/cli/main.js');

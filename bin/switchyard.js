#!/usr/bin/env node
// The `switchyard` command. In a clone of the repository it runs the TypeScript sources (Node 24
// strips their types); the installed package carries no sources but the JavaScript that `npm pack`
// compiled into dist/, because Node does not strip types under node_modules. The sources win when
// present, so a dist/ left over from an earlier pack never runs in place of the code being edited
// (docs/design/2026-12-03-package.md).
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
await import(existsSync(sources) ? sources.href : '../dist/cli/main.js');

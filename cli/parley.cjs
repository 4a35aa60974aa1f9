#!/usr/bin/env node
// The CLI is TypeScript: tsx's in-process require hook compiles it on load, so `npx parley` needs no build step
// and no second Node process (signals and the exit code stay this process's own).
require('tsx/cjs/api').register();
require('./main.ts');

#!/usr/bin/env node
// The `balados` command. TypeScript sources run through tsx (a runtime dependency), so a
// checkout and an installed package behave the same, with no build step.
import { register } from 'tsx/esm/api';

register();
process.env.BALADOS_CLI_ENTRY = '1';
await import('../src/cli/main.ts');

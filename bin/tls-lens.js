#!/usr/bin/env node
// Entry point of the command-line client. The sources are TypeScript; tsx loads them on Node 20.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, like the gateway itself.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/gatewayctl.ts');

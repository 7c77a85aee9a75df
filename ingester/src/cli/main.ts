#!/usr/bin/env node
import { run } from './program.js';

// The commands are in program.ts; this entry point only runs them (and stays cheap to load).
await run(process.argv);

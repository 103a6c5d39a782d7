#!/usr/bin/env node
// The installed `loanbook` command: the CLI is TypeScript, so register tsx's loader before importing it
// (a dynamic import, since static imports would be loaded before `register()` runs).
import { register } from "tsx/esm/api";

register();
await import("../keeper/src/cli/main.ts");

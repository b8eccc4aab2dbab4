#!/usr/bin/env node
// Copies the end-to-end run's screenshots (test-results/e2e/ui/, taken by test/e2e/ui/lens.ui.ts) into
// docs/images/ for the user's README: run `npm run test:e2e -- --only ui` first, then this.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const from = path.join(root, 'test-results', 'e2e', 'ui');
const to = path.join(root, 'docs', 'images');
/** screenshot step name → README picture */
const PICTURES = {
  // The workbench's default theme in the e2e run is light; the dark ones come from the theme step.
  decorations: 'decorations-light.png',
  hover: 'hover-light.png',
  heatmap: 'heatmap-light.png',
  training: 'training-light.png',
  'decorations-dark': 'decorations-dark.png',
  'hover-dark': 'hover-dark.png',
  'heatmap-dark': 'heatmap-dark.png',
};
if (!fs.existsSync(from)) {
  process.stderr.write(`readme-screenshots: ${path.relative(root, from)} is missing: run npm run test:e2e -- --only ui first\n`);
  process.exit(1);
}
fs.mkdirSync(to, { recursive: true });
const shots = fs.readdirSync(from);
for (const [step, picture] of Object.entries(PICTURES)) {
  const shot = shots.find((f) => f.replace(/^\d+-/, '').replace(/\.png$/, '') === step);
  if (!shot) {
    process.stderr.write(`readme-screenshots: no screenshot of step "${step}" in ${path.relative(root, from)}\n`);
    process.exit(1);
  }
  fs.copyFileSync(path.join(from, shot), path.join(to, picture));
  process.stdout.write(`${picture} ← ${shot}\n`);
}

#!/usr/bin/env node
// Keeps the generated parts of docs/USER_README.md (the README inside the VSIX) in step with their
// sources: the settings table from package.json's contributes.configuration, the command table from
// contributes.commands, and the CLI reference from the commands' own option specs (compiled out/).
//   node scripts/user-readme.js          rewrite the generated blocks
//   node scripts/user-readme.js --check  exit 1 if they are out of date (test/unit/userReadme.test.ts)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const readmePath = path.join(root, 'docs', 'USER_README.md');

function cell(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

function settingsTable(pkg) {
  const props = pkg.contributes.configuration.properties;
  const rows = Object.entries(props).map(([key, p]) => {
    const def = p.default === '' ? '""' : JSON.stringify(p.default);
    const values = p.enum ? p.enum.map((v) => `\`${JSON.stringify(v)}\``).join(', ') : p.type;
    return `| \`${key}\` | ${cell(values)} | \`${cell(def)}\` | ${cell(p.markdownDescription ?? p.description ?? '')} |`;
  });
  return ['| setting | values | default | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

function commandTable(pkg) {
  const hidden = new Set((pkg.contributes.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
  const rows = pkg.contributes.commands.filter((c) => !hidden.has(c.command)).map((c) => `| *${c.category}: ${c.title}* | \`${c.command}\` |`);
  return ['| command | id |', '|---|---|', ...rows].join('\n');
}

async function cliReference() {
  const registryJs = path.join(root, 'out', 'src', 'cli', 'commandRegistry.js');
  if (!fs.existsSync(registryJs)) throw new Error('out/src/cli/commandRegistry.js is missing: run npm run compile first');
  const commands = await require(registryJs).loadAllCommands();
  const { formatOptions } = require(path.join(root, 'out', 'src', 'cli', 'args.js'));
  return commands.map((c) => [`### \`tfbs ${c.name}\``, '', c.summary, '', '```', `tfbs ${c.usage}`, '', formatOptions(c.options), '```'].join('\n')).join('\n\n');
}

function render(text, blocks) {
  let out = text;
  for (const [name, body] of Object.entries(blocks)) {
    const re = new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`docs/USER_README.md has no generated:${name} block`);
    out = out.replace(re, (_, a, b) => `${a}\n${body}\n${b}`);
  }
  return out;
}

async function main() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const text = fs.readFileSync(readmePath, 'utf8');
  const next = render(text, { settings: settingsTable(pkg), commands: commandTable(pkg), cli: await cliReference() });
  if (process.argv.includes('--check')) {
    if (next !== text) {
      process.stderr.write('docs/USER_README.md is out of date with package.json or the CLI: run node scripts/user-readme.js\n');
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync(readmePath, next);
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});

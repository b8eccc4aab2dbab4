/**
 * The walkthrough and the extension's icon as package.json declares them (issue 27): every step can
 * be ticked off — VS Code knows only a few kinds of completion event and drops the others with a
 * console error (the "Read the colours" step waited for `onLanguage:fasta` and could never complete)
 * — there are steps for Explain and for live edits, every step shows a picture, and the icon is a
 * 128 × 128 PNG drawn from a committed SVG. The pictures stay small: they ship in every VSIX.
 */
import './fakeVscode';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WALKTHROUGH_CONTEXT } from '../../src/client/walkthrough';

const root = path.join(__dirname, '..', '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
interface Step { id: string; title: string; description: string; media: { markdown?: string; image?: string }; completionEvents?: string[] }
const steps: Step[] = manifest.contributes.walkthroughs[0].steps;

/** The completion-event kinds VS Code 1.100's walkthrough service registers (any other is dropped). */
const KNOWN_KINDS = new Set(['onCommand', 'onContext', 'onSettingChanged', 'onView', 'onLink', 'onEvent', 'onStepSelected', 'stepSelected', 'onExtensionInstalled', 'extensionInstalled']);
/** Built-in commands a step may wait for (run from the walkthrough's own links or key bindings). */
const BUILTIN_COMMANDS = new Set(['editor.action.showHover']);
const MAX_PICTURE_BYTES = 120_000;
const MAX_PICTURE_WIDTH = 900;

/** Width and height from a PNG's IHDR chunk; throws for anything that is not a PNG. */
function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file);
  assert.ok(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${file} is not a PNG`);
  assert.equal(b.toString('latin1', 12, 16), 'IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** Command ids the client registers (its sources name them as string literals). */
function registeredCommandIds(): Set<string> {
  const dir = path.join(root, 'src', 'client');
  const ids = new Set<string>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/'(tfbsLens\.[A-Za-z]+)'/g)) ids.add(m[1]);
  }
  return ids;
}

test('every walkthrough step has completion events VS Code registers, each of which something in the editor fires', () => {
  const contributed = new Set<string>(manifest.contributes.commands.map((c: { command: string }) => c.command));
  const registered = registeredCommandIds();
  const settings = new Set(Object.keys(manifest.contributes.configuration.properties ?? {}));
  const contextKeys = new Set<string>(Object.values(WALKTHROUGH_CONTEXT));
  for (const step of steps) {
    const events = step.completionEvents ?? [];
    // Without events VS Code ticks a step off when it is merely selected (or its link clicked).
    assert.ok(events.length > 0, `step ${step.id}: no completion events`);
    for (const event of events) {
      const [, kind, arg] = /^([^:]*):?(.*)$/.exec(event)!;
      assert.ok(KNOWN_KINDS.has(kind), `step ${step.id}: "${event}" is not a completion event VS Code knows: the step can never complete`);
      if (kind === 'onCommand') {
        const id = arg.replace(/^toSide:/, '');
        assert.ok(BUILTIN_COMMANDS.has(id) || (contributed.has(id) && registered.has(id)), `step ${step.id}: ${id} is neither contributed and registered nor a known built-in command`);
      } else if (kind === 'onContext') {
        assert.ok(contextKeys.has(arg), `step ${step.id}: no code sets the context key ${arg}`);
      } else if (kind === 'onSettingChanged') {
        assert.ok(settings.has(arg), `step ${step.id}: ${arg} is not a setting of this extension`);
      }
    }
    // A link in the description runs its command: it must exist.
    for (const m of step.description.matchAll(/\(command:(?:toSide:)?([A-Za-z.]+)/g)) assert.ok(contributed.has(m[1]) && registered.has(m[1]), `step ${step.id}: link to unknown command ${m[1]}`);
  }
});

test('the walkthrough has steps for Explain and for live edits', () => {
  const ids = steps.map((s) => s.id);
  assert.ok(ids.includes('explain'), ids.join(', '));
  assert.ok(ids.includes('edits'), ids.join(', '));
  assert.equal(new Set(ids).size, ids.length, 'step ids are unique');
});

test('every step shows a picture: a small PNG next to its markdown, with alternative text', () => {
  for (const step of steps) {
    assert.ok(step.media.markdown, `step ${step.id}: markdown media`);
    const md = path.join(root, step.media.markdown);
    const pictures = [...fs.readFileSync(md, 'utf8').matchAll(/!\[([^\]]*)\]\(([^)]+)\)/g)];
    assert.equal(pictures.length, 1, `${step.media.markdown}: one picture`);
    const [, alt, rel] = pictures[0];
    assert.ok(alt.length > 10, `${step.media.markdown}: alternative text`);
    const file = path.join(path.dirname(md), rel);
    assert.ok(fs.existsSync(file), `${step.media.markdown}: ${rel} is missing (node scripts/walkthrough-pictures.js)`);
    const { width } = pngSize(file);
    assert.ok(width <= MAX_PICTURE_WIDTH, `${rel}: ${width} px wide`);
    const bytes = fs.statSync(file).size;
    assert.ok(bytes <= MAX_PICTURE_BYTES, `${rel}: ${bytes} bytes (the VSIX carries every picture)`);
  }
});

test('the icon is a 128 × 128 PNG rendered from the committed SVG', () => {
  assert.equal(manifest.icon, 'media/icon.png');
  assert.deepEqual(pngSize(path.join(root, manifest.icon)), { width: 128, height: 128 });
  const svg = fs.readFileSync(path.join(root, 'media', 'icon.svg'), 'utf8');
  assert.match(svg, /<svg[^>]*viewBox="0 0 128 128"/);
});

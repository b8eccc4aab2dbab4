'use strict';
/**
 * Runs a Node script as a child process for the experiment scripts (cross-validate.js, recipes.js):
 * its stdout and stderr are split into lines and handed to `onLine` (blank lines dropped), the last
 * 20 lines are kept for a failure message, and a Ctrl-C here is passed on to the child so that it
 * can stop cleanly. Resolves with the exit code (−1 when the child could not start) and that tail.
 */
const { spawn } = require('child_process');

function runRelayed(script, args, onLine) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tail = [];
    const relay = (stream) => {
      let rest = '';
      stream.on('data', (d) => {
        const lines = (rest + d.toString('utf8')).split(/\r?\n|\r/);
        rest = lines.pop();
        for (const l of lines) {
          if (!l.trim()) continue;
          tail.push(l);
          if (tail.length > 20) tail.shift();
          onLine(l);
        }
      });
    };
    relay(child.stdout);
    relay(child.stderr);
    const cancel = () => child.kill('SIGINT');
    process.once('SIGINT', cancel);
    child.on('error', (e) => {
      process.off('SIGINT', cancel);
      resolve({ code: -1, tail: [String(e.message)] });
    });
    child.on('close', (code) => {
      process.off('SIGINT', cancel);
      resolve({ code, tail });
    });
  });
}

module.exports = { runRelayed };

// Reads TAP 14 output of `tap --reporter=tap` from the files named on the command line (one per
// test run, e.g. Node 20 and Node 24) and prints `N passed, M failed` summed over the runs.
// Counts each test of every file (the depth-1 test points inside a file's subtest); a file that
// failed without any failing test inside it (a crash at load, a timeout) counts as one failure,
// so a broken file can never disappear from the count.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

let passed = 0;
let failed = 0;
let todo = 0;
let fileFailures = 0;
let failingInFile = 0;
const failures = [];
let currentFile = '';

for (const file of process.argv.slice(2)) {
const [label, path] = file.includes('=') ? file.split('=', 2) : ['', file];
const before = passed + failed + todo + fileFailures;
for await (const line of createInterface({ input: createReadStream(path) })) {
  const sub = /^# Subtest: (.*)$/.exec(line);
  if (sub) {
    currentFile = sub[1];
    failingInFile = 0;
    continue;
  }
  const inner = /^ {4}(not )?ok \d+ - (.*?)(?: # (time|todo|skip|SKIP|TODO).*)?$/.exec(line);
  if (inner) {
    const directive = /# (todo|skip)/i.exec(line);
    if (directive) todo++;
    else if (inner[1]) {
      failed++;
      failingInFile++;
      failures.push(`${label ? `[${label}] ` : ''}${currentFile} › ${inner[2]}`);
    } else passed++;
    continue;
  }
  const top = /^(not )?ok \d+ - (.*?)(?: #.*)?$/.exec(line);
  if (top && top[1] && failingInFile === 0) {
    fileFailures++;
    failures.push(`${label ? `[${label}] ` : ''}${top[2]} (file failed to run)`);
  }
}
// A run that reported nothing at all (runner crashed, no files found) is a failure, not a zero.
if (passed + failed + todo + fileFailures === before) {
  fileFailures++;
  failures.push(`${label || path}: the run reported no tests`);
}
}
failed += fileFailures;
if (failures.length) process.stdout.write('failing:\n' + failures.map((f) => '  - ' + f).join('\n') + '\n');
process.stdout.write(`${passed} passed, ${failed} failed${todo ? `, ${todo} skipped` : ''}\n`);
process.exitCode = passed + failed === 0 ? 1 : 0;

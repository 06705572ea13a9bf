/**
 * `regate` command dispatcher. Each command lives in its own module exporting
 * `run(argv: string[]): Promise<number>` (the exit code), loaded lazily so that
 * `regate policy eval` never pays for loading uWebSockets.js or BullMQ.
 */
const COMMANDS: Record<string, { load: () => Promise<{ run(argv: string[]): Promise<number> }>; help: string }> = {
  start: { load: () => import('./start.js'), help: 'start [--config regate.yaml]            run the gateway' },
  demo: { load: () => import('./demo.js'), help: 'demo                                     run the demo stack (npm start)' },
  policy: { load: () => import('./policy/index.js'), help: 'policy test|fmt|check|eval|build …       the Rego toolchain (opa-compatible)' },
  conformance: { load: () => import('./conformance.js'), help: 'conformance <cases-dir> [--engine js|wasm] [--plans dir] [--json out.json]' },
  audit: { load: () => import('./audit.js'), help: 'audit tail [--follow] [--json] [--redis url]  print the audit stream' },
};

function usage(): string {
  return 'usage: regate <command> [options]\n\n' + Object.values(COMMANDS).map((c) => '  regate ' + c.help).join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === 'version') {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`regate ${pkg.version}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`regate: unknown command ${JSON.stringify(name)}\n\n` + usage());
    return 2;
  }
  const mod = await cmd.load();
  return mod.run(rest);
}

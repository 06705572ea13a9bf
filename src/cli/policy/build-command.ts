/**
 * `regate policy build [flags] <path>...` — `opa build` for the targets regate runs:
 *
 *   -t plan  OPA's ir.Policy JSON (default out plan.json; with -o x.tar.gz a bundle holding
 *            /plan.json, /data.json and a /.manifest with the revision)
 *   -t js    an ESM module exporting that plan as `plan` (run it with createJsEvaluator)
 *   -t wasm  the WASM back end's module (policy.wasm, or an OPA bundle when -o ends in .tar.gz)
 *   -t rego  what plain `opa build` writes: a bundle.tar.gz of the Rego sources and data files at
 *            their paths, with a .manifest; no entrypoint needed (the gateway compiles it), but
 *            the sources must compile, as for opa
 *
 * Every .tar.gz output is an OPA bundle: `.manifest` with `--revision` (and, with -b, the roots,
 * rego_version and metadata of the input's own .manifest), signed with `--signing-key`.
 *
 * An entrypoint that no rule and no data document defines is an error, as in `opa build`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileToPlan, entrypointPath, findUndefinedEntrypoints, loadWasmBackend, nameGlob, readTarFiles, stringifyJson, UnknownEntrypointError, type ModuleSource } from '../../policy/index.js';
import { collectBundleFiles, SIGNING_FLAGS, signingOf, writeBundle } from './bundle-output.js';
import { parseSourceIn } from '../../policy/parse-dialect.js';
import { UsageError, type ParsedArgs } from './args.js';
import { builtinsOf, CAPABILITIES_FLAG, compileOptionsOf, dialectOf, type Subcommand } from './common.js';
import { loadPaths, splitPrefix } from './load-paths.js';

export const buildCommand: Subcommand = {
  name: 'build',
  synopsis: 'build [flags] <path>...',
  description: 'Compiles the policies for one or more entrypoints, like `opa build`.\nExit code: 0; 1 on an error (including an entrypoint nothing defines).',
  flags: [
    { name: 'entrypoint', short: 'e', valued: true, help: 'a slash-separated path below data, e.g. gateway/decision (as opa; also data.gateway.decision) (repeatable, at least one)' },
    { name: 'target', short: 't', valued: true, help: 'plan (default), js, wasm or rego (a bundle of the sources, as plain `opa build`)' },
    { name: 'bundle', short: 'b', help: 'the path is a bundle root: its .manifest (roots, rego_version, metadata) goes into the output' },
    ...SIGNING_FLAGS,
    { name: 'output', short: 'o', valued: true, help: 'output file (plan.json, policy.mjs or policy.wasm by default)' },
    { name: 'revision', short: 'r', valued: true, help: "the bundle's revision (in the .manifest of a .tar.gz output)" },
    CAPABILITIES_FLAG,
    { name: 'ignore', valued: true, csv: true, help: 'skip files and directories whose name matches this pattern (repeatable, as opa build --ignore)' },
    { name: 'optimize', short: 'O', valued: true, help: "opa's optimization level (0 default; 1 and 2 ask opa to partially evaluate the entrypoints): accepted, and regate's output is that of level 0 (see README)" },
  ],
  async run(a: ParsedArgs): Promise<number> {
    if (a.positional.length === 0) throw new UsageError('build needs at least one <path>');
    optimizationLevelOf(a);
    const signing = await signingOf(a);
    if (a.one('target') === 'rego') return buildRegoBundle(a, signing);
    // As `opa build -e`: a `/`-separated path below data (policy/entrypoints.ts entrypointPath).
    const entrypoints = a.all('entrypoint').map((e) => entrypointPath(e).join('/'));
    if (entrypoints.length === 0) throw new UsageError('build needs at least one -e entrypoint (e.g. -e gateway/decision)');
    const target = a.one('target') ?? 'plan';
    if (target !== 'plan' && target !== 'js' && target !== 'wasm') throw new UsageError(`-t must be plan, js, wasm or rego, not ${target}`);
    const out = a.one('output') ?? (target === 'wasm' ? 'policy.wasm' : target === 'js' ? 'policy.mjs' : 'plan.json');
    const revision = a.one('revision');
    const bundle = out.endsWith('.tar.gz') || out.endsWith('.tgz');
    if ((revision !== undefined || signing !== undefined) && !bundle) throw new UsageError('--revision and --signing-key go into a bundle: give -o a .tar.gz output');

    // As `opa build` without -b: a .tar.gz found in a directory is not read.
    const { modules, data } = await loadPaths(a.positional, { includeTests: false, skipArchives: true, ignore: a.all('ignore') });
    const plan = compileToPlan(modules, { entrypoints, ...compileOptionsOf(a), builtins: builtinsOf(a) });
    const [unknown] = findUndefinedEntrypoints(
      modules.map((m) => parseSourceIn(m, dialectOf(a))),
      entrypoints,
      data,
    );
    if (unknown !== undefined) throw new UnknownEntrypointError(unknown, `entrypoint ${unknown} does not refer to a rule or a data document`);

    if (target === 'plan' && bundle) {
      const enc = new TextEncoder();
      const manifest = await manifestOf(a, revision);
      const files = new Map<string, Uint8Array>([
        ['plan.json', enc.encode(JSON.stringify(plan))],
        ['data.json', enc.encode(stringifyJson(data))],
        ['.manifest', enc.encode(JSON.stringify(manifest))],
      ]);
      await writeBundle(out, files, signing);
    } else if (target === 'plan') await writeFile(out, JSON.stringify(plan) + '\n');
    else if (target === 'js') {
      await writeFile(
        out,
        `// Generated by \`regate policy build -t js\` from ${a.positional.join(' ')}; entrypoints: ${entrypoints.join(', ')}.\n` +
          `// Run it with createJsEvaluator(plan) from regate's policy API.\n` +
          `export const entrypoints = ${JSON.stringify(entrypoints)};\nexport const plan = ${JSON.stringify(plan)};\n`,
      );
    } else {
      const { buildBundle, compileWasm } = await loadWasmBackend();
      const wasm = await compileWasm(plan);
      // An OPA bundle (/policy.wasm, /data.json, /.manifest with the wasm entrypoints), as
      // `opa build -t wasm` writes it; the data files go into /data.json.
      if (bundle) await writeBundle(out, new Map(await readTarFiles(buildBundle({ wasm, entrypoints, data, ...(revision !== undefined ? { revision } : {}) }))), signing);
      else await writeFile(out, wasm);
    }
    process.stdout.write(`wrote ${out} (${target}; entrypoints ${entrypoints.join(', ')})\n`);
    return 0;
  },
};

/**
 * `-O`/`--optimize`: OPA's levels (compile/compile.go): 0 bundles the policies as written, 1
 * and 2 partially evaluate the entrypoints into an `optimized/` module (2 also inlines the
 * rules they depend on, keeping fewer of the originals). regate has no partial evaluator: every
 * level writes level 0's output — the policies as written for `-t rego`; for plan, js and wasm
 * the plan regate always makes (the same decisions: OPA's optimizations keep the semantics).
 * As OPA, a level above 0 needs an entrypoint ("bundle optimizations require at least one
 * entrypoint").
 */
function optimizationLevelOf(a: ParsedArgs): number {
  const text = a.one('optimize') ?? '0';
  const level = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(level)) throw new UsageError(`-O must be an optimization level (0, 1 or 2), not ${text}`);
  if (level > 0 && a.all('entrypoint').length === 0) throw new UsageError('bundle optimizations require at least one entrypoint');
  return level;
}

/** The .manifest of an output: the input bundle's own (-b) with `--revision` over its revision. */
async function manifestOf(a: ParsedArgs, revision: string | undefined): Promise<Record<string, unknown>> {
  let base: Record<string, unknown> = {};
  if (a.bool('bundle')) {
    if (a.positional.length !== 1) throw new UsageError('-b takes one bundle root');
    base = await readFile(`${a.positional[0]}/.manifest`, 'utf8').then((t) => JSON.parse(t) as Record<string, unknown>, () => ({}));
  }
  return { ...base, revision: revision ?? (typeof base['revision'] === 'string' ? base['revision'] : ''), roots: base['roots'] ?? [''] };
}

/** `-t rego`: the sources and data files of each path at their bundle paths, as plain `opa build`. */
async function buildRegoBundle(a: ParsedArgs, signing: Awaited<ReturnType<typeof signingOf>>): Promise<number> {
  const out = a.one('output') ?? 'bundle.tar.gz';
  if (!/\.(tar\.gz|tgz)$/.test(out)) throw new UsageError('-t rego writes a bundle: give -o a .tar.gz output');
  const files = new Map<string, Uint8Array>();
  const sources: ModuleSource[] = [];
  const ignore = a.all('ignore').map(nameGlob);
  for (const arg of a.positional) {
    // `prefix.path:dir` (OPA's loader syntax) puts the directory's files, and so its data, below prefix/path/.
    const { prefix, path } = splitPrefix(arg);
    for (const [name, bytes] of await collectBundleFiles(path, (n) => ignore.some((m) => m(n)))) {
      if (name === '.manifest') continue;
      files.set([...prefix, name].join('/'), bytes);
      if (name.endsWith('.rego')) sources.push({ file: join(path, name), text: new TextDecoder().decode(bytes) });
    }
  }
  // As `opa build` (compile.Compiler.Build compiles whatever the target): a bundle of policies
  // that do not compile, or call a builtin --capabilities leaves out, is not written.
  compileToPlan(sources, { ...compileOptionsOf(a), builtins: builtinsOf(a) });
  files.set('.manifest', new TextEncoder().encode(JSON.stringify(await manifestOf(a, a.one('revision')))));
  await writeBundle(out, files, signing);
  process.stdout.write(`wrote ${out} (rego bundle; ${files.size} files)\n`);
  return 0;
}

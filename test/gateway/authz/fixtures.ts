/**
 * Shared set-up for the authz end-to-end tests: a temp policy directory, the real gateway from
 * YAML (`startRegate`: config loader, buildStages, uWS, admin listener) and small HTTP helpers.
 */
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { startRegate, type RunningRegate } from '../../../src/gateway/server/run.js';

export const EXAMPLE_POLICIES = new URL('../../../policies/', import.meta.url).pathname;

export interface PolicyDir {
  dir: string;
  /** writes `rel` atomically (temp name + rename), so a watcher never compiles half a file */
  write(rel: string, text: string): void;
  remove(): void;
}

/** A fresh temp directory holding `files` (path → Rego/JSON text), optionally the example policies too. */
export function makePolicyDir(files: Record<string, string>, opts: { examples?: boolean } = {}): PolicyDir {
  const dir = mkdtempSync(join(tmpdir(), 'regate-authz-'));
  if (opts.examples) cpSync(EXAMPLE_POLICIES, dir, { recursive: true });
  const write = (rel: string, text: string) => {
    const f = join(dir, rel);
    mkdirSync(dirname(f), { recursive: true });
    const tmp = `${f}.${process.pid}.tmp`; // the watcher ignores this extension
    writeFileSync(tmp, text);
    renameSync(tmp, f);
  };
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Gw {
  running: RunningRegate;
  url: string;
  admin: string;
  close(): Promise<void>;
}

export async function startGw(yaml: string): Promise<Gw> {
  const config = loadConfigText(yaml, { file: join(tmpdir(), 'authz-e2e.yaml'), env: {} });
  const running = await startRegate(config, pino({ level: 'silent' }));
  return {
    running,
    url: `http://127.0.0.1:${running.port}`,
    admin: `http://127.0.0.1:${running.adminPort ?? 0}`,
    close: () => running.close(),
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON (an upstream's plain answer) */
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Polls `probe` until it returns true (bounded by `tries`); false if it never does. */
export async function until(probe: () => Promise<boolean> | boolean, tries = 200, everyMs = 25): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return false;
}

/**
 * Floor (a) of bench/passthrough-floor.ts: a bare uWS app answering 'ok' from JS, with the uWS
 * build regate loads (dist/gateway/server/uws-loader.js). Plain .mjs, not tsx, so the number
 * is uWS + the JS call, nothing else. Prints `PORT <n>`.
 * Run: node bench/floor/uws-ok.mjs
 */
import { loadUws } from '../../dist/gateway/server/uws-loader.js';

const { uws } = loadUws();
uws
  .App()
  .any('/*', (res) => {
    res.end('ok');
  })
  .listen('127.0.0.1', 0, (ls) => {
    if (!ls) process.exit(1);
    process.stdout.write(`PORT ${uws.us_socket_local_port(ls)}\n`);
  });

/**
 * The local log sink of the HAProxy peer (bench/peers/haproxy.ts): a UDP socket on 127.0.0.1 that
 * receives HAProxy's syslog datagrams (one JSON access line each) and counts them, so the peer's
 * per-request log costs what it costs in production (a sendto per request) without a syslog daemon.
 * Prints `PORT <n>` when bound; on SIGTERM prints `LINES <n>` (datagrams received) and exits.
 *
 *   node --import tsx bench/peers/log-sink.ts
 */
import dgram from 'node:dgram';

const sock = dgram.createSocket('udp4');
let lines = 0;
sock.on('message', () => void lines++);
sock.bind(0, '127.0.0.1', () => process.stdout.write(`PORT ${sock.address().port}\n`));
process.once('SIGTERM', () => {
  process.stdout.write(`LINES ${lines}\n`);
  sock.close(() => process.exit(0));
});

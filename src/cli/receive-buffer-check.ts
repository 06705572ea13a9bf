/**
 * The Node 24 uWS build's receive-buffer caveat, checked where an operator sees it: at start.
 *
 * uWS 20.56 (the build Node ≥ 22 needs) re-reads a socket after a receive that filled its 512 KiB
 * buffer without checking whether the request was paused meanwhile, so each resume delivers what
 * the kernel holds for that connection — up to `net.ipv4.tcp_rmem`'s maximum (README, "Request-body
 * backpressure on Node 24"). The mitigation is a per-network-namespace sysctl the image cannot set
 * (docker/compose.yaml and docker/k8s/ do); without it, one warning at start says what to set.
 *
 * @example const w = checkReceiveBuffer(loadUws().build); if (w) logger.warn(w);
 */
import { readFileSync } from 'node:fs';

/** What the README and the deployment files set: below the 512 KiB read buffer of uSockets. */
export const TCP_RMEM_MITIGATION = '4096 131072 458752';
const UWS_READ_BUFFER = 512 * 1024;

/** A warning when the loaded build ignores pauses and the receive buffer may exceed its read buffer; else undefined. */
export function checkReceiveBuffer(build: { pausable: boolean; package: string; version: string }, readTcpRmem: () => string = () => readFileSync('/proc/sys/net/ipv4/tcp_rmem', 'utf8')): string | undefined {
  if (build.pausable) return undefined;
  let max: number;
  try {
    max = Number(readTcpRmem().trim().split(/\s+/)[2]);
  } catch {
    return undefined; // not Linux, or /proc not mounted: nothing to say
  }
  if (!Number.isFinite(max) || max < UWS_READ_BUFFER) return undefined;
  return (
    `net.ipv4.tcp_rmem allows ${max} bytes per socket and ${build.package}@${build.version} does not hold a paused request body ` +
    `below that: a fast upload can cost up to that much memory per connection. Set net.ipv4.tcp_rmem="${TCP_RMEM_MITIGATION}" ` +
    `in the gateway's network namespace (docker run --sysctl, compose sysctls, pod securityContext.sysctls)`
  );
}

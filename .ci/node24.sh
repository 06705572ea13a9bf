#!/usr/bin/env bash
# Prepares Node 24 LTS for a second test run, printing the path of a `node` binary on stdout.
#
# Node 24 comes from the npm registry (the `node` package). The uWebSockets.js build that supports
# Node 24 (@btc-vision/uwebsockets.js, official 20.56 binaries) needs glibc >= 2.38, and Debian 12
# has 2.36. On such a machine — and only for this test run, never in the product — we unpack
# Debian 13's libc6 (from the Debian archive the machine's apt is configured with:
# .ci/debian-source.sh) into a temp dir and point a copy of the node binary's ELF interpreter and
# rpath at it with patchelf. Child processes (tap's workers) use process.execPath, so they get
# the same loader.
set -euo pipefail
work=${REGATE_NODE24_DIR:-/tmp/regate-node24}
mkdir -p "$work"
if [ ! -x "$work/prefix/node_modules/node/bin/node" ]; then
  npm install --no-audit --no-fund --prefix "$work/prefix" node@24 >"$work/install.log" 2>&1
fi
node_bin="$work/prefix/node_modules/node/bin/node"
glibc_ok() { "$1" -e "process.exit(Number(process.report.getReport().header.glibcVersionRuntime.split('.')[1]) >= 38 ? 0 : 1)"; }
if glibc_ok "$node_bin"; then echo "$node_bin"; exit 0; fi

patched="$work/node"
if [ ! -x "$patched" ]; then
  command -v patchelf >/dev/null || { apt-get update -qq && apt-get install -y -qq patchelf; } >/dev/null 2>&1
  apt_dir="$work/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$work/glibc"
  # the archive this machine's apt already uses, with Debian 13's release: no host named here
  bash "$(dirname "$0")/debian-source.sh" trixie >"$apt_dir/sources.list"
  opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update -qq >/dev/null 2>&1
  (cd "$work" && apt-get "${opts[@]}" download libc6 >/dev/null 2>&1)
  dpkg-deb -x "$(ls "$work"/libc6_*.deb | head -1)" "$work/glibc"
  lib="$work/glibc/usr/lib/x86_64-linux-gnu"
  cp "$node_bin" "$patched.tmp"
  patchelf --set-interpreter "$lib/ld-linux-x86-64.so.2" --set-rpath "$lib:/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu" "$patched.tmp"
  mv "$patched.tmp" "$patched"
fi
glibc_ok "$patched"
echo "$patched"

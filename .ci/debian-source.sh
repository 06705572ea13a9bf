#!/usr/bin/env bash
# Prints a one-line apt source for Debian release $1 (e.g. trixie) on the archive this machine's
# own apt configuration uses for its release — so no package host is written into the repository:
#   deb [signed-by=<keyring>] <URI of the configured Debian source> <release> main
# It reads deb822 files (/etc/apt/sources.list.d/*.sources) and one-line lists (sources.list,
# sources.list.d/*.list), takes the first enabled `deb` entry whose suites include this machine's
# release (VERSION_CODENAME in os-release) itself — not -security or -updates, which live on other
# archives — and keeps its signed-by keyring (default: the Debian archive keyring).
# APT_ETC and OS_RELEASE override /etc/apt and /etc/os-release (for tests).
set -euo pipefail
release=${1:?usage: debian-source.sh <release>}
etc=${APT_ETC:-/etc/apt}
os_release=${OS_RELEASE:-/etc/os-release}
current=$(. "$os_release" && echo "${VERSION_CODENAME:-}")
[ -n "$current" ] || { echo "debian-source: no VERSION_CODENAME in $os_release" >&2; exit 1; }

deb822() { # file: "URI KEYRING" of the matching paragraph
  awk -v rel="$current" '
    BEGIN { RS = ""; FS = "\n" }
    {
      split("", f); last = ""
      for (i = 1; i <= NF; i++) {
        line = $i
        if (line ~ /^#/) continue
        if (line ~ /^[ \t]/) { if (last != "") f[last] = f[last] " " line; continue }
        p = index(line, ":"); if (p == 0) continue
        key = tolower(substr(line, 1, p - 1)); val = substr(line, p + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", val); f[key] = val; last = key
      }
      if (f["types"] !~ /(^|[ \t])deb([ \t]|$)/ || tolower(f["enabled"]) == "no") next
      n = split(f["suites"], s, /[ \t]+/); ok = 0
      for (j = 1; j <= n; j++) if (s[j] == rel) ok = 1
      if (!ok) next
      split(f["uris"], u, /[ \t]+/)
      k = f["signed-by"]; if (k ~ /BEGIN PGP/) k = ""   # an inline key cannot be passed on
      print u[1], k; exit
    }' "$1"
}

one_line() { # file: "URI KEYRING" of the matching `deb` line
  awk -v rel="$current" '
    $1 == "deb" {
      i = 2; opts = ""
      if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) { opts = opts " " $i; i++ } opts = opts " " $i; i++ }
      if ($(i + 1) != rel) next
      k = ""; if (match(opts, /signed-by=[^] ]+/)) k = substr(opts, RSTART + 10, RLENGTH - 10)
      print $i, k; exit
    }' "$1"
}

found=""
for f in "$etc"/sources.list.d/*.sources; do
  [ -r "$f" ] && found=$(deb822 "$f") && [ -n "$found" ] && break
done
if [ -z "$found" ]; then
  for f in "$etc"/sources.list "$etc"/sources.list.d/*.list; do
    [ -r "$f" ] && found=$(one_line "$f") && [ -n "$found" ] && break
  done
fi
[ -n "$found" ] || { echo "debian-source: no apt source for $current in $etc; cannot derive the archive for $release" >&2; exit 1; }
uri=${found%% *}
keyring=${found#* }
[ -n "$keyring" ] && [ "$keyring" != "$found" ] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb [signed-by=$keyring] $uri $release main"

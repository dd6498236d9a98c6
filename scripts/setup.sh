#!/usr/bin/env bash
# One setup for `npm start` and `npm test`: installs what is missing (Debian packages, node_modules, the build) and nothing more.
# Usage: scripts/setup.sh start|test    (start: run-time needs; test: also the tools the test suite drives)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-start}

# tcpdump: `-f` on a capture file reads it through tcpdump (src/capture/filter-input.ts).
# redis-server (test): the EVE-to-Redis and `netguard console` tests start their own on loopback.
# util-linux and coreutils: bin/netguard asks `nproc` how many CPUs it may use; the bench pins runs with `taskset`.
runtime_pkgs=(libpcap-dev python3 make g++ tcpdump util-linux coreutils)
test_pkgs=(tshark nmap hping3 tmux iproute2 iputils-ping procps curl wget netcat-openbsd
           chromium rsyslog xvfb dbus-x11 dunst libnotify-bin nftables iptables tcpreplay redis-server)

pkgs=("${runtime_pkgs[@]}")
[[ $mode == test ]] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # wireshark-common asks whether non-root users may capture; answer for it.
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections 2>/dev/null || true
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (need root to install): ${missing[*]}" >&2
    [[ $mode == start && " ${missing[*]} " == *" libpcap-dev "* && ! -f build/Release/pcap_batch.node ]] && exit 1
  fi
fi

# node_modules: install from the lockfile when absent or older than it.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund >&2
  touch node_modules/.package-lock.json
fi

# The capture addon (binding.gyp, src/capture/native/): rebuilt when missing or older than its source.
# node-gyp comes with npm; nodedir=/usr because no Node headers can be downloaded here (as in .npmrc).
# package.json says "gypfile": false so that npm ci does not build it too (and fail without libpcap-dev:
# reading capture files needs no addon).
addon=build/Release/pcap_batch.node
if [[ ! -f $addon || binding.gyp -nt $addon || src/capture/native/pcap-batch.cc -nt $addon ]]; then
  echo "setup: building the capture addon (node-gyp)" >&2
  gyp="$(dirname "$(realpath "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  node "$gyp" rebuild --nodedir=/usr --loglevel=error >&2 || {
    echo "setup: the capture addon did not build (libpcap-dev, make and g++ are needed); reading files still works, live capture will not" >&2
  }
fi

# Build when any source is newer than the last build.
stamp=dist/.build-stamp
if [[ ! -f $stamp ]] || [[ -n $(find src bench scripts/setup.sh scripts/bundle.mjs tsconfig.json package.json -newer "$stamp" -print -quit 2>/dev/null) ]]; then
  echo "setup: building (tsc, then the bundle)" >&2
  rm -rf dist
  node_modules/.bin/tsc -p tsconfig.json
  # The web page's static files sit beside the compiled server, as they do beside its source.
  cp -r src/web/public dist/src/web/public
  chmod +x dist/src/main.js 2>/dev/null || true
  # What bin/netguard runs: the same compiled code bundled into a few files, which start faster (scripts/bundle.mjs).
  node scripts/bundle.mjs
  touch "$stamp"
fi

#!/usr/bin/env bash
# Installs every Debian package Leadline needs to build, test and run.
# Idempotent: packages already present are skipped, so a second run is quick.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git
  libzmq3-dev libczmq-dev
  libprotobuf-c-dev protobuf-c-compiler
  libpq-dev postgresql postgresql-contrib
  libmicrohttpd-dev libcmocka-dev uuid-dev libcurl4-openssl-dev libssl-dev libsystemd-dev
  clang libclang-rt-14-dev
  python3 iproute2 procps util-linux curl
  python3-yaml systemd
  chromium
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"

#!/usr/bin/env bash
# CI setup for the runner's tests (idempotent): Docker from Debian when missing, a daemon
# when none answers, the local base image (debootstrap, reused by tag) and the test images.
# Fails loudly when Docker cannot start: the runner's Docker tests never skip in CI.
set -euo pipefail
cd "$(dirname "$0")/../.."

need_root() { [[ "$(id -u)" == 0 ]] || { echo "runner.sh: $1 needs root" >&2; exit 1; }; }

# docker-registry: a real registry the pull tests start on 127.0.0.1 (test/runner/registry-pull.test.ts).
if ! command -v docker >/dev/null || ! command -v debootstrap >/dev/null || ! command -v docker-registry >/dev/null; then
  need_root "installing docker.io, debootstrap and docker-registry"
  export DEBIAN_FRONTEND=noninteractive
  pkgs=(docker.io debootstrap docker-registry)
  apt-get install -y --no-install-recommends "${pkgs[@]}" >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${pkgs[@]}" >/dev/null; }
fi

if ! docker info >/dev/null 2>&1; then
  need_root "starting dockerd"
  echo "runner.sh: starting dockerd (--bridge=none)"
  nohup dockerd --bridge=none --iptables=false --ip6tables=false >/tmp/mhub-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { tail -n 30 /tmp/mhub-dockerd.log >&2; echo "runner.sh: Docker did not start" >&2; exit 1; }
fi
echo "runner.sh: Docker $(docker version --format '{{.Server.Version}}') is up"

bash models/build-images.sh
bash test/runner/fixtures/build-test-images.sh

#!/usr/bin/env bash
# Lint deploy/docker-compose.yml without a Docker engine: `config` parses the file, checks it
# against the Compose schema, interpolates it and resolves its references, and fails on any
# error. Uses `docker compose` when the plugin is there, else Debian's docker-compose, which
# this script installs with apt when it is missing. deploy/.env.example stands in for the
# secrets the file requires.
set -euo pipefail
cd "$(dirname "$0")/.."

file=deploy/docker-compose.yml
env_file=deploy/.env.example

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  if ! command -v docker-compose >/dev/null 2>&1; then
    echo "no docker compose: installing Debian's docker-compose to lint $file"
    log=$(mktemp)
    if ! { apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
          docker-compose; } >"$log" 2>&1; then
      cat "$log" >&2
      echo "error: could not install docker-compose, so $file was not checked" >&2
      exit 1
    fi
    rm -f "$log"
  fi
  compose=(docker-compose)
fi

"${compose[@]}" --env-file "$env_file" -f "$file" config -q
echo "$file is valid (${compose[*]} config)"

#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (idempotent; prints the binary's path).
# The tests drive it with Python Playwright (executable_path=/usr/bin/chromium); Playwright's
# own browser download is never used.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    echo "installing chromium with apt-get" >&2
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    ($sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        $sudo_cmd apt-get install -y -qq chromium) >&2
fi
command -v chromium

#!/usr/bin/env bash
# Install Debian's chromium for the browser tests, if missing and we may (root with apt-get).
# Without it the browser tests skip and say why; nothing else depends on it.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "chromium is not installed and cannot be installed here: browser tests will skip" >&2
  exit 0
fi
echo "installing Debian's chromium for the browser tests..." >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
  || echo "chromium install failed: browser tests will skip" >&2
exit 0

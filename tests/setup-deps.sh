#!/bin/sh
# Installs everything the test suite needs on a fresh Debian machine (run as root).
# Each tests/deps/*.txt lists Debian packages, one per line ('#' comments allowed).
set -eu
cd "$(dirname "$0")"
pkgs=$(cat deps/*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
	echo "setup-deps: run as root (apt-get install)" >&2
	exit 1
fi
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
echo "setup-deps: ok ($(echo "$pkgs" | wc -l) packages)"

#!/usr/bin/env bash
# usage: packaging/deb/build.sh [OUTDIR]     (`make deb`)
# env:   DEB_UPSTREAM  upstream version (default: IRQSIGHT_VERSION of src/version.h)
#        DEB_REVISION  Debian revision (default 1)
# Builds OUTDIR/irqsight_<upstream>-<revision>_amd64.deb (default OUTDIR: .) with
# dpkg-deb from a staged tree: the binary built with Debian's hardening flags and every
# optional library installed here (Depends from dpkg-shlibdeps), irqsight(8), the
# systemd units of contrib/systemd with /usr/sbin paths, the Prometheus rules, the
# Grafana dashboard, bash completion generated from the binary's --help, and the
# maintainer scripts of this directory. Prints the .deb's path last.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=$root/packaging/deb
outdir=${1:-.}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
for t in dpkg-deb dpkg-shlibdeps dpkg-buildflags fakeroot python3 gzip; do
	command -v "$t" >/dev/null || { echo "deb: missing '$t' (tests/deps/deb.txt)" >&2; exit 1; }
done
upstream=${DEB_UPSTREAM:-$(sed -n 's/^#define IRQSIGHT_VERSION "\(.*\)"$/\1/p' src/version.h)}
[ -n "$upstream" ] || { echo "deb: no IRQSIGHT_VERSION in src/version.h" >&2; exit 1; }
version=$upstream-${DEB_REVISION:-1}
work=$root/build-deb/$version
rm -rf "$work/pkg"
mkdir -p "$work/pkg"
pkg=$work/pkg

# The binary: its own objects per version (the version string is compiled in).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
make -s --no-print-directory BUILD="$work/obj" CFLAGS="$cflags -DIRQSIGHT_VERSION='\"$upstream\"'" \
	LDFLAGS="$ldflags" "$work/obj/irqsight" >&2
bin=$work/obj/irqsight
"$bin" --version | grep -qF "$upstream" || { echo "deb: $bin does not say version $upstream" >&2; exit 1; }

install -d "$pkg/DEBIAN" "$pkg/usr/sbin" "$pkg/usr/share/man/man8" "$pkg/lib/systemd/system" \
	"$pkg/usr/share/doc/irqsight" "$pkg/usr/share/irqsight/prometheus" "$pkg/usr/share/irqsight/grafana" \
	"$pkg/usr/share/bash-completion/completions" "$pkg/usr/share/lintian/overrides"
install -m 0755 "$bin" "$pkg/usr/sbin/irqsight"
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$pkg/usr/sbin/irqsight"
gzip -9n < docs/irqsight.8 > "$pkg/usr/share/man/man8/irqsight.8.gz"
units=
for u in contrib/systemd/*.service contrib/systemd/*.timer; do
	[ -e "$u" ] || continue
	sed 's#/usr/local/sbin/irqsight#/usr/sbin/irqsight#g' "$u" > "$pkg/lib/systemd/system/$(basename "$u")"
	units="$units $(basename "$u")"
done
units=${units# }
chmod 0644 "$pkg"/lib/systemd/system/*
install -m 0644 contrib/prometheus/irqsight.rules.yml "$pkg/usr/share/irqsight/prometheus/"
install -m 0644 contrib/grafana/irqsight-dashboard.json "$pkg/usr/share/irqsight/grafana/"
python3 contrib/bash-completion/gen-completion.py "$bin" > "$pkg/usr/share/bash-completion/completions/irqsight"
chmod 0644 "$pkg/usr/share/bash-completion/completions/irqsight"
install -m 0644 "$here/copyright" "$pkg/usr/share/doc/irqsight/copyright"
install -m 0644 "$here/lintian-overrides" "$pkg/usr/share/lintian/overrides/irqsight"
# A fixed date keeps the package reproducible: the last commit's, else the build's.
date=$(git log -1 --format=%cD 2>/dev/null || date -R)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$date/" "$here/changelog" |
	gzip -9n > "$pkg/usr/share/doc/irqsight/changelog.Debian.gz"
for s in postinst prerm postrm; do
	sed "s/@UNITS@/$units/" "$here/$s" > "$pkg/DEBIAN/$s"
	chmod 0755 "$pkg/DEBIAN/$s"
done

# Depends: the shared libraries the binary links, as dpkg-shlibdeps names them
# (it wants a debian/control to read; an empty one in a scratch directory will do).
mkdir -p "$work/shl/debian"
: > "$work/shl/debian/control"
deps=$(cd "$work/shl" && dpkg-shlibdeps -O "$pkg/usr/sbin/irqsight" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$deps" ] || { echo "deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$deps/" "$here/control.in" > "$pkg/DEBIAN/control"
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
	xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$pkg/DEBIAN/control" "$pkg/DEBIAN/md5sums"
find "$pkg" -type d -exec chmod 0755 {} +
deb=$outdir/irqsight_${version}_amd64.deb
fakeroot dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >&2
echo "$deb"

"""Fixture trees for the Python test tools, through tests/fixture.sh (the one helper).

root(dir)        the directory to give --root (a packed fixture is unpacked into
                 build/fixtures/, a based one laid over its base, SHARED files put in,
                 a loose one has the directories of its .empty-dirs made)
copy(dir, dst)   a private copy of that tree at dst, without the fixture's notes and
                 golden files, for a tool that changes the tree
META             the names at the top of a fixture folder that are not part of the tree
"""
import os
import shutil
import subprocess

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
META = {'SOURCE.md', 'NOTES', 'README.md', 'REVIEW.md', 'expect', 'BASE', 'SHARED',
        'tree.tar.xz', '.empty-dirs'}


def is_meta(name):
    return name in META or name.startswith('expected.')


def root(path):
    """The root of the fixture folder path (absolute or relative to the repository)."""
    p = subprocess.run(['tests/fixture.sh', 'root', os.path.relpath(os.path.abspath(path), TOP)],
                       cwd=TOP, capture_output=True, text=True)
    if p.returncode != 0 or not p.stdout.strip():
        raise RuntimeError(f'tests/fixture.sh root {path}: {p.stderr.strip()}')
    return os.path.join(TOP, p.stdout.strip())


def copy(path, dst):
    """Copy the tree of the fixture folder path to dst (symlinks kept as links)."""
    src = root(path)
    shutil.copytree(src, dst, symlinks=True)
    for name in os.listdir(dst):
        p = os.path.join(dst, name)
        if is_meta(name) and os.path.isfile(p) and not os.path.islink(p):
            os.unlink(p)
    return dst


def has_tree(path):
    """A fixture folder with a tree (loose, packed or based), not a folder of notes."""
    return any(os.path.exists(os.path.join(path, n))
               for n in ('proc', 'dmesg', 'sys', 'tree.tar.xz', 'BASE', 'SHARED'))


def prepare_all():
    """Unpack every packed and based fixture, so that examples/ links resolve."""
    p = subprocess.run(['tests/fixture.sh', 'all'], cwd=TOP, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f'tests/fixture.sh all: {p.stderr.strip()}')


# Files that are equal because the hardware is, not copies: the QEMU lab's virtual devices
# read the same in every guest; one firecracker VM snapshotted as root and as a user.
EQUAL_CAPTURES = ['tests/hosts/lab-*/sys/bus/pci/devices/*/config',
                  'tests/hosts/live-firecracker-virtio-*/proc/cpuinfo']
COPY_MIN = 1024


def copies(top=TOP):
    """Groups of byte-identical stored fixture files of COPY_MIN bytes or more (the files of
    loose trees and of packed tarballs; SHARED and BASE are references, not copies)."""
    import collections
    import fnmatch
    import hashlib
    tracked = subprocess.run(['git', 'ls-files', '-z', 'tests/hosts', 'tests/rules', 'tests/fleet/hosts'],
                             cwd=top, capture_output=True).stdout.decode().split('\0')
    stored = {p: os.path.join(top, p) for p in tracked if p and not is_meta(os.path.basename(p))
              and os.path.isfile(os.path.join(top, p)) and not os.path.islink(os.path.join(top, p))}
    for tar in [p for p in tracked if p.endswith('/tree.tar.xz')]:
        r = root(os.path.join(top, os.path.dirname(tar)))
        for d, _, files in os.walk(r):
            for f in files:
                real = os.path.join(d, f)
                if not os.path.islink(real):
                    stored[os.path.join(tar, os.path.relpath(real, r))] = real
    by = collections.defaultdict(list)
    for p, real in stored.items():
        if os.path.getsize(real) < COPY_MIN:
            continue
        with open(real, 'rb') as f:
            by[hashlib.sha1(f.read()).hexdigest()].append(p)
    out = []
    for group in by.values():
        if len(group) < 2:
            continue
        if all(any(fnmatch.fnmatch(p, g) for g in EQUAL_CAPTURES) for p in group):
            continue
        out.append(sorted(group))
    return sorted(out)


if __name__ == '__main__':
    import sys
    if sys.argv[1:] == ['copies']:
        groups = copies()
        for g in groups:
            print('copies: ' + ' = '.join(g))
        print(f'copies: {len(groups)} group(s) of identical fixture files of {COPY_MIN} bytes or more'
              ' (name the file in SHARED instead)' if groups else 'copies: none')
        sys.exit(1 if groups else 0)
    print('usage: tests/fixture.py copies', file=sys.stderr)
    sys.exit(2)

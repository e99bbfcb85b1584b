"""Fixture trees for the Python test tools, through tests/fixture.sh (the one helper).

root(dir)        the directory to give --root (a packed fixture is unpacked into
                 build/fixtures/, a based one laid over its base, a loose one has the
                 directories of its .empty-dirs made)
copy(dir, dst)   a private copy of that tree at dst, without the fixture's notes and
                 golden files, for a tool that changes the tree
META             the names at the top of a fixture folder that are not part of the tree
"""
import os
import shutil
import subprocess

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
META = {'SOURCE.md', 'NOTES', 'README.md', 'REVIEW.md', 'expect', 'BASE', 'tree.tar.xz',
        '.empty-dirs'}


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
               for n in ('proc', 'dmesg', 'sys', 'tree.tar.xz', 'BASE'))


def prepare_all():
    """Unpack every packed and based fixture, so that examples/ links resolve."""
    p = subprocess.run(['tests/fixture.sh', 'all'], cwd=TOP, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f'tests/fixture.sh all: {p.stderr.strip()}')

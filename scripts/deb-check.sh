#!/usr/bin/env bash
# Build the Debian package and check it the way a therapist's machine would take it:
# the desktop entry and AppStream metadata validate, `dpkg -i` installs it, the installed
# `tandem --version` runs, the worksheet MIME type is known, and (with Xvfb) the app
# starts from /usr/bin on the demo practice. Needs root (dpkg -i) and a release build
# (about 15 minutes from scratch on 2 cores), so it is not part of .ci/run; its figures
# are in docs/install.md. `--no-build` checks the .deb already in target/debian.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
if ! need desktop-file-validate || ! need appstreamcli || ! need xdg-mime || ! need update-mime-database; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends desktop-file-utils appstream xdg-utils shared-mime-info
fi
need cargo-deb || cargo install cargo-deb --locked

echo "== validate the desktop entry and the AppStream metadata"
desktop-file-validate packaging/linux/io.github.tandemapp.Tandem.desktop
appstreamcli validate --no-net --pedantic packaging/linux/io.github.tandemapp.Tandem.metainfo.xml

if [ "${1:-}" != "--no-build" ]; then
  echo "== cargo deb"
  start=$(date +%s)
  cargo deb
  echo "built in $(( $(date +%s) - start )) s"
fi
deb=$(ls -t target/debian/tandem_*.deb | head -1)
ls -l "$deb"
dpkg-deb --contents "$deb"

echo "== dpkg -i"
dpkg -i "$deb"
test "$(command -v tandem)" = /usr/bin/tandem
/usr/bin/tandem --version

echo "== the worksheet file type"
probe=$(mktemp -d)/answers.tandem-worksheet
printf 'x' > "$probe"
update-mime-database /usr/share/mime >/dev/null 2>&1 || true
type=$(xdg-mime query filetype "$probe")
echo "xdg-mime says: $type"
test "$type" = application/x-tandem-worksheet
default=$(xdg-mime query default application/x-tandem-worksheet || true)
echo "opens with: ${default:-(no default set; the desktop entry lists the type)}"

if need Xvfb; then
  echo "== the app starts from the package (Xvfb, demo practice, 8 s)"
  Xvfb :93 -screen 0 1024x700x24 >/dev/null 2>&1 &
  xvfb=$!
  sleep 1
  set +e
  DISPLAY=:93 timeout 8 /usr/bin/tandem --demo >/dev/null 2>&1
  code=$?
  set -e
  kill "$xvfb" || true
  # 124: still running when timeout stopped it, i.e. the window was up.
  test "$code" = 124 || { echo "the app exited with $code" >&2; exit 1; }
  echo "the window stayed up until stopped"
fi
echo "== deb check passed"

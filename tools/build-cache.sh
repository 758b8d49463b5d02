# Sourced by tools/build-*.sh: a cache folder DEST that is built once, however many callers run at
# once. build_begin takes DEST.lock (the other callers wait on it), exits 0 when DEST is already
# complete, else gives an empty $tmp beside DEST that is removed if the build fails; build_done
# marks $tmp complete and moves it into place, so DEST is never seen half-built.
build_begin() {
  dest=$1
  mkdir -p "$(dirname "$dest")"
  exec 9>"$dest.lock"
  flock 9
  if [ -f "$dest/.complete" ]; then exit 0; fi
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  # chmod: Go's module copies are read-only.
  trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
  build_start=$(date +%s)
}

build_done() { # NAME: how the script names itself in its messages
  echo "$1: done in $(( $(date +%s) - build_start ))s" >&2
  touch "$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  trap - EXIT
}

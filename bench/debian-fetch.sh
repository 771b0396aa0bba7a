# Sourced by bench/corpus.sh and bench/layout-corpus.sh: one PDF out of a Debian package, into the corpus.
# Needs $out, the corpus folder; the packages are unpacked in a scratch folder removed on exit.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fetch() {  # fetch PACKAGE PATH-IN-PACKAGE NAME-IN-CORPUS
  [ -f "$out/$3" ] && return
  (cd "$work" && { ls "$1"_*.deb >/dev/null 2>&1 || apt-get download "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get download "$1"; }; })
  rm -rf "$work/x" && dpkg -x "$work"/"$1"_*.deb "$work/x"
  case "$2" in
    *.gz) gunzip -c "$work/x/$2" > "$out/$3" ;;
    *) cp "$work/x/$2" "$out/$3" ;;
  esac
}

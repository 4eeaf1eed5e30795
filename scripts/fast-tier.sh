#!/usr/bin/env bash
# The fast tier: the tests that need neither valgrind nor a Docker board (mvn test -P fast), run with
# both out of reach (valgrind left off PATH, DOCKER_HOST pointing at no engine), so that a test that
# needs one of them and is not tagged @Tag("valgrind") or @Tag("board") fails here instead of slowing
# the tier down. Needs Java 17, Maven and gcc (scripts/setup.sh installs them). Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/fast-tier/bin
if [[ ! -d $bin ]]; then
  mkdir -p "$bin.new"
  for dir in /usr/local/bin /usr/bin /usr/sbin /bin /sbin; do
    for f in "$dir"/*; do
      name=${f##*/}
      case $name in valgrind*|vgdb|docker*|dockerd) continue ;; esac
      [[ -e $bin.new/$name ]] || ln -s "$f" "$bin.new/$name"
    done
  done
  mv "$bin.new" "$bin"
fi
start=$(date +%s)
PATH=$PWD/$bin DOCKER_HOST=unix:///nonexistent/docker.sock mvn -B -ntp -P fast test "$@"
echo "fast tier: $(( $(date +%s) - start )) s"

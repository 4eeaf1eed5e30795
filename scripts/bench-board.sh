#!/usr/bin/env bash
# Board benchmark, measured in one run: each emulated board's cold start to SSH-ready (3 starts each:
# the Debian aarch64 board, the bare dropbear board, the armhf board, and the system board's boot of its
# own kernel under qemu-system-aarch64, goal <= 20 s),
# the first deploy of a 50 MB unstripped .so by leakgate over SFTP, scp and a checked stream vs OpenSSH scp and sftp to the same board
# (best of 3 each), and an unchanged redeploy (5 times).
# Goals: <= 3 s to SSH-ready, >= 0.8x OpenSSH throughput, <= 0.3 s unchanged redeploy.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-board.sh >/dev/null
command -v scp >/dev/null || { apt-get install -y -qq openssh-client >/dev/null; }

mvn -B -ntp -q -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="target/classes:target/test-classes:$(cat target/classpath.txt)"

# a 50 MB unstripped aarch64 library: a real .so with a 50 MB non-loaded section, like debug info
out=target/bench/board
mkdir -p "$out"
if [[ ! -s $out/libbig.so ]]; then
  aarch64-linux-gnu-gcc -ggdb3 -O0 -shared -fPIC -o "$out/libstream.so" src/test/c/libstream.c
  head -c $((50 * 1024 * 1024)) /dev/urandom > "$out/blob.bin"
  aarch64-linux-gnu-objcopy --add-section .leakgate_blob="$out/blob.bin" "$out/libstream.so" "$out/libbig.so"
  rm -f "$out/blob.bin"
fi
java -cp "$cp" dev.leakgate.board.BoardBenchmark "$out/libbig.so" 2>&1 | grep -v '^SLF4J'

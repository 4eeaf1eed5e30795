#!/usr/bin/env bash
# Cross-compiles the example for the board, unstripped with -ggdb3, into OUT (default target/board), with
# the board's cross compiler CC (default aarch64-linux-gnu-gcc; arm-linux-gnueabihf-gcc for armhf):
#   OUT/leaky/libonvif_server.so   the library with the field report's leak
#   OUT/fixed/libonvif_server.so   the same source built with -DONVIF_FIXED
#   OUT/<variant>/onvif_harness    the leakgate harness (leakgate_harness.h) linked against it
#   OUT/<variant>/onvif_test       the plain demo program (no kit)
#   OUT/<variant>/onvif_daemon     the camera's SOAP daemon (unmodified: leakgate drives it over its port)
#   OUT/leakgate_probe.so          leakgate's leak check probe (leakgate_probe.c), preloaded into the daemon
#   OUT/leakgate_udp_relay         leakgate's UDP relay (leakgate_udp_relay.c): the tests' datagrams over SSH
#   OUT/<variant>/mosquitto        the MQTT broker from Debian's source package (build-mosquitto.sh; the leaky
#                                  one with src/mosquitto/leak-on-unsubscribe.patch)
#   OUT/current -> <VARIANT>       the variant the tests gate (second argument: fixed, the default, or leaky)
# valgrind's client-request headers come from the host's valgrind (they cover every CPU).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/target/board}
cc=${CC:-aarch64-linux-gnu-gcc}
# the C kit: the third argument (the example's build unpacks it from the leakgate artifact), else this
# repository's copy
kit=${3:-$here/../src/main/resources/leakgate}
command -v "$cc" >/dev/null || { echo "no $cc: run scripts/setup-board.sh (installs the aarch64 and armhf cross compilers)" >&2; exit 1; }
[[ -f /usr/include/valgrind/memcheck.h ]] || { echo "no valgrind headers: run scripts/setup.sh (installs valgrind)" >&2; exit 1; }
mkdir -p "$out/include"
ln -sfn /usr/include/valgrind "$out/include/valgrind" # only valgrind's headers, not the host's others
for variant in leaky fixed; do
  mkdir -p "$out/$variant"
  defines=()
  [[ $variant == fixed ]] && defines=(-DONVIF_FIXED)
  "$cc" -ggdb3 -O0 -Wall -fPIC -shared "${defines[@]}" -o "$out/$variant/libonvif_server.so" "$here/src/c/onvif_server.c"
  "$cc" -ggdb3 -O0 -Wall -I"$here/src/c" -I"$kit" -I"$out/include" -o "$out/$variant/onvif_harness" \
      "$here/src/c/onvif_harness.c" -L"$out/$variant" -lonvif_server
  "$cc" -ggdb3 -O0 -Wall -I"$here/src/c" -o "$out/$variant/onvif_test" "$here/src/c/onvif_test.c" \
      -L"$out/$variant" -lonvif_server
  "$cc" -ggdb3 -O0 -Wall -I"$here/src/c" -o "$out/$variant/onvif_daemon" "$here/src/c/onvif_daemon.c" \
      -L"$out/$variant" -lonvif_server
done
"$cc" -g -O1 -Wall -shared -fPIC -pthread -I"$out/include" -o "$out/leakgate_probe.so" "$kit/leakgate_probe.c"
"$cc" -O2 -Wall -o "$out/leakgate_udp_relay" "$kit/leakgate_udp_relay.c"
CC=$cc "$here/build-mosquitto.sh" "$out"
variant=${2:-fixed}
[[ $variant == fixed || $variant == leaky ]] || { echo "the variant is fixed or leaky, not '$variant'" >&2; exit 2; }
ln -sfn "$variant" "$out/current"
echo "built the example with $cc in $out (tests gate the $variant library)"

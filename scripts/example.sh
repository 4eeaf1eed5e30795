#!/usr/bin/env bash
# The main job: the example leak gate on the emulated aarch64 board.
# After the one-time set-up (scripts/setup-board.sh), it installs leakgate into the local Maven
# repository and runs example-tests, a user's project: it cross-compiles an ONVIF-like camera
# library, its leakgate harness and the camera's SOAP daemon for aarch64 (-ggdb3, no strip), and
# gates them with @ValgrindOnBoard on the emulated board: the harness scenario by scenario, and the
# daemon live, driven with real SOAP requests through the forwarded port, with named leak checks.
#   1. the fixed library: the tests must pass;
#   2. the leaky library (-Pshow-leak): the tests must fail, naming onvifStartStream and the
#      file:line of the allocation, the request batch in which the daemon leaked, and each snapshot
#      helper process the daemon forked (its pid, command and parent, at make_exif_header), while its
#      ONVIF discovery over UDP (reached through leakgate's UDP relay) passes; and the MQTT broker
#      (Eclipse Mosquitto from Debian's source, built for the board, its config file deployed, dropping
#      to nobody) must fail naming the batch of unsubscriptions that lost their topics, at
#      handle__unsubscribe (handle_unsubscribe.c:89); and the daemon's VmData, sampled where it runs, must
#      climb over 50 GetStreamUri of a 256 KiB profile (with the fixed library it levels off); the
#      failures are printed here.
#   3. the leaky library again on the bare board (busybox, dropbear without SFTP, no valgrind): leakgate
#      deploys valgrind and the loader's debug file, files travel as a checked stream; it must fail alike;
#   4. the leaky library built for 32-bit ARM (-Parmhf: arm-linux-gnueabihf-gcc) on the emulated armhf
#      board: it must fail alike;
#   5. on the system board (a whole aarch64 machine booting Debian's arm64 kernel under qemu-system-aarch64):
#      the fixed library must pass and the leaky one fail alike;
#   6. the leaky library on the aarch64 board of Debian 13 (valgrind 3.24 instead of bookworm's 3.19): the same.
# Raw reports stay under example-tests/target/leakgate/runs. Exits 0 when all are as expected.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-board.sh

mvn -B -ntp -q -Dstyle.color=never install -DskipTests

echo "== 1. the fixed library on the emulated board: must pass"
mvn -B -ntp -Dstyle.color=never -f example-tests/pom.xml test

echo "== 2. the leaky library on the emulated board (-Pshow-leak): must fail"
log=$(mktemp)
set +e
mvn -B -ntp -Dstyle.color=never -f example-tests/pom.xml test -Pshow-leak >"$log" 2>&1
status=$?
set -e
sed -n '/<<< FAILURE!/,/^\[INFO\] Results/p' "$log" | grep -v '^\s*at \(org\.\|java\.\|dev\.leakgate\.junit\)' | head -160
if [[ $status -ne 0 ]] && grep -q 'at onvifStartStream (onvif_server.c:' "$log" \
    && grep -q 'at read_profile_xml (onvif_server.c:20)' "$log" \
    && grep -q "leak check 'after 50 GetStreamUri main' found 7100 bytes lost since 'started'" "$log" \
    && grep -q 'at get_stream_uri (onvif_daemon.c:' "$log" \
    && grep -Eq 'in pid [0-9]+ \(/.*/onvif_daemon 8080, started by pid [0-9]+\): definitely lost: 512 bytes in 1 blocks' "$log" \
    && grep -q 'at make_exif_header (onvif_server.c:' "$log" \
    && grep -q 'discoveryProbesOverUdpAreAnsweredAndLoseNothing(Daemon): PASS' "$log" \
    && grep -q "leak check 'after 10 subscribe/unsubscribe' found 170 bytes lost since 'connected'" "$log" \
    && grep -q 'at handle__unsubscribe (handle_unsubscribe.c:89)' "$log" \
    && grep -q 'resubscribingLosesNothing(Daemon): PASS' "$log" \
    && grep -Eq 'VmData grew by [0-9]+ kB over the last 50 GetStreamUri main' "$log"; then
  echo "example: as expected, the fixed library passes and the leaky one fails at read_profile_xml (onvif_server.c:20)"
  echo "example: in onvifStartStream, in the harness and in the daemon's batch 'after 50 GetStreamUri main',"
  echo "example: and in each snapshot helper process the daemon forked (make_exif_header), named by its pid;"
  echo "example: its discovery over UDP, through the relay, passes; and the MQTT broker built from Debian's"
  echo "example: source fails in its batch 'after 10 subscribe/unsubscribe' at handle__unsubscribe;"
  grep -m1 -Eo 'VmData grew by [0-9]+ kB over the last 50 GetStreamUri main \([^)]*\)' "$log" | sed 's/^/example: /'
  rm -f "$log"
else
  echo "example: UNEXPECTED: the leaky run exited $status without naming onvifStartStream (log: $log)" >&2
  exit 1
fi

# leaky_fails_on BOARD_WORDS LINE MVN_ARGS...: the leaky library on another board must fail alike (the
# harness at read_profile_xml, the daemon in its batch), never be inconclusive, and the log must hold LINE
leaky_fails_on() {
  local board=$1 line=$2 log status
  shift 2
  log=$(mktemp)
  set +e
  mvn -B -ntp -Dstyle.color=never -f example-tests/pom.xml test -Pshow-leak "$@" >"$log" 2>&1
  status=$?
  set -e
  grep -E '^leakgate: (board|deploying|valgrind)' "$log" | sort -u
  if [[ $status -ne 0 ]] && grep -q "$line" "$log" \
      && grep -q 'at read_profile_xml (onvif_server.c:20)' "$log" \
      && grep -q "leak check 'after 50 GetStreamUri main' found 7100 bytes lost since 'started'" "$log" \
      && grep -q 'at make_exif_header (onvif_server.c:' "$log" \
      && grep -q 'discoveryProbesOverUdpAreAnsweredAndLoseNothing(Daemon): PASS' "$log" \
      && grep -q "leak check 'after 10 subscribe/unsubscribe' found 170 bytes lost since 'connected'" "$log" \
      && grep -q 'at handle__unsubscribe (handle_unsubscribe.c:89)' "$log" \
      && grep -Eq 'VmData grew by [0-9]+ kB over the last 50 GetStreamUri main' "$log" \
      && ! grep -q 'INCONCLUSIVE' "$log"; then
    echo "example: on $board too, the leaky library fails at read_profile_xml (onvif_server.c:20) and the"
    echo "example: leaky broker at handle__unsubscribe; the daemon's memory climbs there too:"
    grep -m1 -Eo 'VmData grew by [0-9]+ kB over the last 50 GetStreamUri main \([^)]*\)' "$log" | sed 's/^/example: /'
    rm -f "$log"
  else
    echo "example: UNEXPECTED on $board: exit $status (log: $log)" >&2
    exit 1
  fi
}

echo "== 3. the leaky library on the bare board (dropbear, no SFTP, no valgrind: leakgate brings it): must fail"
cache=${LEAKGATE_CACHE:-/var/cache/leakgate}
leaky_fails_on "the bare board" 'files: a stream (cat) checked with sha256sum' -Dleakgate.board=emulated-bare \
  -Dleakgate.valgrind.deploy="$cache/valgrind-arm64" -Dleakgate.valgrind.debuginfo="$cache/valgrind-arm64-debuginfo"

echo "== 4. the leaky library built for 32-bit ARM on the emulated armhf board (-Parmhf): must fail"
leaky_fails_on "the armhf board" 'leakgate: board: emulated armhf board (container' -Parmhf

echo "== 5. the example on the system board (qemu-system-aarch64, Debian's arm64 kernel): the fixed library must"
echo "==    pass and the leaky one fail alike"
mvn -B -ntp -Dstyle.color=never -f example-tests/pom.xml test -Dleakgate.board=emulated-system
leaky_fails_on "the system board" 'leakgate: board: emulated aarch64-system board (container' \
  -Dleakgate.board=emulated-system

# valgrind 3.24 starts a program in about 30 s under QEMU user mode (3.19: 4 s), so this step takes about 8
# minutes: the leaky library only (its run has the passing tests too: discovery, resubscriptions, snapshots)
echo "== 6. the leaky library on the aarch64 board of Debian 13 (trixie: valgrind 3.24, glibc 2.41): must fail alike"
leaky_fails_on "the trixie board" 'glibc 2.41, valgrind-3.24.0 (valgrind)' -Dleakgate.board.release=trixie


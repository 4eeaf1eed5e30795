#!/usr/bin/env bash
# The example leak gate: builds the ONVIF-like example library (leaky and fixed) with -ggdb3 and no
# strip, runs its demo program under memcheck for each and gates on definitely lost bytes.
# The leaky library must fail, naming onvifStartStream and file:line; the fixed one must pass.
# Raw reports stay under target/leakgate/runs. Exits 0 when both verdicts are as expected.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

mvn -B -ntp -q -Dstyle.color=never compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="target/classes:$(cat target/classpath.txt)"

src=example-tests/src/c
out=target/example/host
for variant in leaky fixed; do
  mkdir -p "$out/$variant"
  defines=()
  [[ $variant == fixed ]] && defines=(-DONVIF_FIXED)
  gcc -ggdb3 -O0 -fPIC -shared "${defines[@]}" -o "$out/$variant/libonvif_server.so" "$src/onvif_server.c"
  gcc -ggdb3 -O0 -I"$src" -o "$out/$variant/onvif_test" "$src/onvif_test.c" \
      -L"$out/$variant" -lonvif_server -Wl,-rpath,'$ORIGIN'
done

gate() {
  local variant=$1
  echo "== leak gate: onvif_test with the $variant libonvif_server.so (100 x onvifStartStream)"
  set +e
  java -cp "$cp" dev.leakgate.cli.LeakgateCommand run --name "onvif-$variant" -- \
      "$out/$variant/onvif_test" "$src/profiles/multicast.xml" 100
  local status=$?
  set -e
  echo "== exit status $status"
  return $status
}

leaky=0; gate leaky || leaky=$?
fixed=0; gate fixed || fixed=$?
if [[ $leaky -eq 1 && $fixed -eq 0 ]]; then
  echo "example: as expected, the leaky library fails the gate and the fixed one passes"
else
  echo "example: UNEXPECTED: leaky library exit $leaky (want 1), fixed library exit $fixed (want 0)" >&2
  exit 1
fi

#!/usr/bin/env bash
# Parse benchmark: generates a large memcheck XML (default 1024 MB, many loss records, 32-frame
# stacks), then measures in this same run, each in a fresh JVM capped at -Xmx64m:
#   raw       sequential read of the file (the limit)
#   jdk-stax  a count-only loop over the JDK's built-in StAX reader (a plain general parser)
#   leakgate  the full report model (exact totals, retained records, frames)
# and Python's xml.etree.ElementTree.iterparse over the same file (what report scripts use).
# Prints MB/s and leakgate's ratios against each. Goals: >= 1.5x jdk-stax, >= 10x iterparse,
# heap <= 64 MB.  Usage: scripts/bench-parse.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
size_mb=${1:-1024}

mvn -B -ntp -q -Dstyle.color=never test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
cp="target/classes:target/test-classes:$(cat target/classpath.txt)"
file=target/bench/memcheck-${size_mb}m.xml
if [[ ! -s $file || ! -s $file.summary ]]; then
  echo "generating $file ..."
  java -cp "$cp" dev.leakgate.bench.MemcheckXmlGenerator "$file" "$size_mb" 32 >/dev/null
fi
bytes=$(stat -c %s "$file")
echo "file: $file ($((bytes / 1000000)) MB); expected totals:"
sed 's/^/  /' "$file.summary"

best() { # mode runs -> best MB/s, and the last output line
  local mode=$1 runs=$2 bestv=0 line
  for ((i = 0; i < runs; i++)); do
    line=$(java -Xmx64m -XX:+UseSerialGC -cp "$cp" dev.leakgate.bench.ParseBenchmark "$mode" "$file")
    v=$(awk '{print $3}' <<<"$line")
    if awk -v a="$v" -v b="$bestv" 'BEGIN{exit !(a>b)}'; then bestv=$v; last=$line; fi
  done
  echo "$bestv|$last"
}

best raw 1 >/dev/null # bring the file into the page cache
IFS='|' read -r raw raw_line < <(best raw 3)
IFS='|' read -r jdk jdk_line < <(best jdk-stax 2)
IFS='|' read -r lg lg_line < <(best leakgate 2)
heap=$(awk '{print $4}' <<<"$lg_line")
read_totals=$(cut -d' ' -f5- <<<"$lg_line")

py=$(python3 - "$file" <<'PY'
import sys, time, xml.etree.ElementTree as ET
path = sys.argv[1]
start = time.perf_counter()
n = 0
for event, elem in ET.iterparse(path, events=("end",)):
    n += 1
    if elem.tag == "error":
        elem.clear()
secs = time.perf_counter() - start
import os
print("%.1f" % (os.path.getsize(path) / 1e6 / secs))
PY
)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
echo
printf '%-22s %10s\n' "reader" "MB/s"
printf '%-22s %10s\n' "raw sequential read" "$raw"
printf '%-22s %10s\n' "JDK StAX count loop" "$jdk"
printf '%-22s %10s\n' "Python iterparse" "$py"
printf '%-22s %10s   (peak heap %s MB of 64; %s)\n' "leakgate full model" "$lg" "$heap" "$read_totals"
echo
echo "leakgate vs JDK StAX count loop: $(ratio "$lg" "$jdk")x (goal >= 1.5x)"
echo "leakgate vs Python iterparse:    $(ratio "$lg" "$py")x (goal >= 10x)"
echo "leakgate vs raw read:            $(ratio "$lg" "$raw")x (the limit)"

#!/usr/bin/env bash
# Builds Eclipse Mosquitto, the MQTT broker cameras and IoT devices ship, from Debian's source package
# for the board's CPU, unstripped (-ggdb3 -O0), into OUT/fixed/mosquitto and OUT/leaky/mosquitto. Both
# carry src/mosquitto/fix-resubscribe-leak.patch (the fix of a leak leakgate found in Debian 12's broker);
# the leaky one also src/mosquitto/leak-on-unsubscribe.patch (each topic a client unsubscribes from loses
# its string). Only the broker, with TLS, websockets, cJSON and the dynamic security plugin
# off: it needs nothing but the C library on the board.
#   Usage: build-mosquitto.sh OUT   (CC: the board's cross compiler, default aarch64-linux-gnu-gcc)
# The source is fetched once into target/mosquitto-source (scripts/debian-source.sh: the deb-src twin of
# this machine's apt sources); each compiler and variant builds in a folder of its own under OUT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-mosquitto.sh OUT}
cc=${CC:-aarch64-linux-gnu-gcc}
src=$("$here/../scripts/debian-source.sh" mosquitto "$here/target/mosquitto-source")
fix=$here/src/mosquitto/fix-resubscribe-leak.patch
leak=$here/src/mosquitto/leak-on-unsubscribe.patch
options=(WITH_TLS=no WITH_TLS_PSK=no WITH_CJSON=no WITH_DOCS=no WITH_WEBSOCKETS=no WITH_SRV=no WITH_SYSTEMD=no
         WITH_CONTROL=no WITH_SOCKS=no WITH_MEMORY_TRACKING=no WITH_STRIP=no WITH_BRIDGE=no)
for variant in fixed leaky; do
  build=$out/mosquitto-build/${cc%-gcc}/$variant
  # a new source or patch: start again from the source
  want="$src $(cat "$fix" "$leak" | sha256sum | cut -c1-16)"
  if [[ ! -f $build/.leakgate-from || $(cat "$build/.leakgate-from") != "$want" ]]; then
    rm -rf "$build"
    mkdir -p "$build"
    cp -a "$src/." "$build/"
    patch -s -p1 -d "$build" < "$fix"
    if [[ $variant == leaky ]]; then
      patch -s -p1 -d "$build" < "$leak"
    fi
    echo "$want" > "$build/.leakgate-from"
  fi
  if ! make -C "$build/src" -j"$(nproc)" CC="$cc" CFLAGS="-ggdb3 -O0" "${options[@]}" mosquitto \
      > "$build/make.log" 2>&1; then
    tail -30 "$build/make.log" >&2
    echo "build-mosquitto.sh: the $variant broker did not build with $cc (log: $build/make.log)" >&2
    exit 1
  fi
  mkdir -p "$out/$variant"
  cp "$build/src/mosquitto" "$out/$variant/mosquitto"
done
echo "built Mosquitto $(basename "$src" | sed 's/^mosquitto-//') with $cc in $out/{fixed,leaky}/mosquitto"

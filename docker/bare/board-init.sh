#!/bin/sh
# The bare board's start, on a read-only root with RAM disks on /tmp and /run: a fresh ed25519 host key
# in /run (printed to the container log, where the provisioner reads it through the Docker API and pins
# it), the authorized key the provisioner passed in LEAKGATE_AUTHORIZED_KEY (nothing can be copied into a
# read-only root), then dropbear in the foreground. Key logins only, as on a camera.
set -eu
mkdir -p /run/dropbear /run/leakgate/ssh
chmod 700 /run/leakgate/ssh
dropbearkey -t ed25519 -f /run/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1
if [ -n "${LEAKGATE_AUTHORIZED_KEY:-}" ]; then
  printf '%s\n' "$LEAKGATE_AUTHORIZED_KEY" > /run/leakgate/ssh/authorized_keys
  chmod 600 /run/leakgate/ssh/authorized_keys
fi
unset LEAKGATE_AUTHORIZED_KEY
echo "leakgate-board: host key $(dropbearkey -y -f /run/dropbear/dropbear_ed25519_host_key | grep '^ssh-ed25519' | cut -d' ' -f1,2)"
exec dropbear -F -E -s -r /run/dropbear/dropbear_ed25519_host_key -P /run/dropbear/dropbear.pid -p 22

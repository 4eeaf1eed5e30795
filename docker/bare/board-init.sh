#!/bin/sh
# The bare board's start: a fresh ed25519 host key (printed to the container log, where the provisioner
# reads it through the Docker API and pins it), the authorized key the provisioner copied, then dropbear
# in the foreground. Key logins only, as on a camera.
set -eu
mkdir -p /etc/dropbear /root/.ssh
rm -f /etc/dropbear/dropbear_ed25519_host_key
dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1
if [ -f /run/leakgate/authorized_keys ]; then
  cp /run/leakgate/authorized_keys /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
echo "leakgate-board: host key $(dropbearkey -y -f /etc/dropbear/dropbear_ed25519_host_key | grep '^ssh-ed25519' | cut -d' ' -f1,2)"
exec dropbear -F -E -s -r /etc/dropbear/dropbear_ed25519_host_key -p 22

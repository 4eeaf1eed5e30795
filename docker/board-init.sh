#!/bin/sh
# The board's start (under tini): makes a fresh ed25519 host key (or takes one copied to
# /run/leakgate), prints its public half to the container log, where the provisioner reads it
# through the Docker API and pins it; takes the authorized key and password the provisioner
# copied to /run/leakgate; then runs sshd.
set -eu
mkdir -p /run/sshd /root/.ssh
if [ -f /run/leakgate/ssh_host_ed25519_key ]; then
  install -m 600 /run/leakgate/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key
else
  rm -f /etc/ssh/ssh_host_ed25519_key
  ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
fi
if [ -f /run/leakgate/authorized_keys ]; then
  install -m 600 /run/leakgate/authorized_keys /root/.ssh/authorized_keys
fi
if [ -f /run/leakgate/password ]; then
  printf 'root:%s\n' "$(cat /run/leakgate/password)" | chpasswd
  rm -f /run/leakgate/password
fi
echo "leakgate-board: host key $(ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key | cut -d' ' -f1,2)"
exec /usr/sbin/sshd -D -e

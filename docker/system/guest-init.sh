#!/bin/sh
# The system board's first process inside the guest (the kernel runs it from the initramfs, which is
# the whole root file system): mounts what a Linux system has, loads the few drivers Debian's arm64
# kernel builds as modules (virtio network and entropy, QEMU's firmware configuration), brings up the
# network QEMU's user-mode network expects, takes the login key and password the provisioner handed to
# QEMU (fw_cfg: readable by root in the guest only), makes a fresh host key, prints its public half to
# the serial console (the container's log, where the provisioner reads and pins it) and runs sshd
# under tini, which reaps what the board's programs leave.
set -u
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
hostname leakgate-board
say() { echo "leakgate-board: $*"; }
modules=/lib/modules/$(uname -r)
for m in failover net_failover virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_net virtio-rng qemu_fw_cfg; do
  busybox insmod "$modules/$m.ko" || say "could not load the kernel module $m"
done
busybox ip link set lo up
busybox ip link set eth0 up || say "no network device: QEMU was started without virtio-net"
busybox ip addr add 10.0.2.15/24 dev eth0
busybox ip route add default via 10.0.2.2
fwcfg=/sys/firmware/qemu_fw_cfg/by_name/opt/leakgate
mkdir -p /run/sshd /root/.ssh
chmod 700 /root/.ssh
if [ -r $fwcfg/authorized_keys/raw ]; then
  cat $fwcfg/authorized_keys/raw > /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
if [ -r $fwcfg/password/raw ]; then
  printf 'root:%s\n' "$(cat $fwcfg/password/raw)" | chpasswd
fi
rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
say "booted $(uname -srm) in $(cut -d' ' -f1 /proc/uptime) s"
say "host key $(ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key | cut -d' ' -f1,2)"
exec /usr/bin/tini -- /usr/sbin/sshd -D -e

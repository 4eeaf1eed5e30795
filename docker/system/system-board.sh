#!/bin/sh
# The system board container's start (under tini): boots a whole aarch64 machine under
# qemu-system-aarch64 (TCG: no KVM), Debian's own arm64 kernel, the board's root file system as its
# initramfs, a Cortex-A53 as on camera SoCs. The guest's serial console is this container's log.
# SSH on the container's port 22 reaches the guest's sshd (QEMU's user-mode network); the login key
# and password the provisioner copied to /run/leakgate go to the guest through QEMU's fw_cfg.
# Settings (environment): LEAKGATE_BOARD_MEMORY_MB (1024), LEAKGATE_BOARD_CPUS (2).
set -eu
memory=${LEAKGATE_BOARD_MEMORY_MB:-1024}
cpus=${LEAKGATE_BOARD_CPUS:-2}
# QEMU needs the guest's memory and about 256 MiB of its own
available=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
limit=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || echo max)
if [ "$limit" != max ]; then
  limit=$((limit / 1048576))
  [ "$limit" -lt "$available" ] && available=$limit
fi
need=$((memory + 256))
if [ "$available" -lt "$need" ]; then
  echo "leakgate-board: not enough memory for the system board: it needs $need MiB ($memory MiB for the guest, 256 for QEMU), $available MiB are available"
  exit 78
fi
set --
for f in authorized_keys password; do
  [ -s /run/leakgate/$f ] && set -- "$@" -fw_cfg "name=opt/leakgate/$f,file=/run/leakgate/$f"
done
echo "leakgate-board: starting qemu-system-aarch64 -M virt -cpu cortex-a53 -smp $cpus -m ${memory}M ($(qemu-system-aarch64 --version | head -1))"
exec qemu-system-aarch64 -M virt -cpu cortex-a53 -smp "$cpus" -m "$memory" -nographic -no-reboot \
  -kernel /board/vmlinuz -initrd /board/root.cpio \
  -append "console=ttyAMA0 rdinit=/sbin/leakgate-init quiet panic=-1" \
  -netdev user,id=net0,hostfwd=tcp::22-:22 -device virtio-net-pci,netdev=net0,romfile= \
  -device virtio-rng-pci "$@"

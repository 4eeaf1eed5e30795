#!/bin/busybox sh
# Runs inside the bare board's root filesystem (under QEMU) while the image is built: the packages were
# only extracted (no dpkg, no maintainer scripts), so this makes what a firmware image would have: the
# busybox applets as the userland, the users, and dropbear's folders. No valgrind, no sftp-server.
set -eu
/bin/busybox --install -s /bin
mkdir -p /root /etc/dropbear /tmp /run /var/run /var/log /proc /sys /dev
chmod 700 /root
# the root is read-only when the board runs: root's SSH keys live on the /run RAM disk
ln -sfn /run/leakgate/ssh /root/.ssh
chmod 1777 /tmp
# nobody too, as firmware images have it: the user daemons started as root drop to
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > /etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > /etc/group
printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' > /etc/shadow
chmod 600 /etc/shadow
printf '/bin/sh\n' > /etc/shells
# busybox, not coreutils: make sure the tools leakgate needs are its applets
for t in sh cat mkdir rm mv chmod stat kill grep awk df sleep uname ls wc; do
  command -v "$t" >/dev/null || { echo "bare board: no $t" >&2; exit 1; }
done
echo "bare board: checksum tools: $(for t in sha256sum md5sum cksum; do command -v $t; done | tr '\n' ' ')"

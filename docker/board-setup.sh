#!/bin/sh
# Runs inside the board's root filesystem (as root, on arm64 or under QEMU) while the image is
# built, from mmdebstrap's customize hook or from Dockerfile.registry. Shapes a Debian root into
# the emulated board:
#  - a second valgrind in /opt/valgrind that, like a cross-compiled valgrind copied to a board,
#    only finds its tools through VALGRIND_LIB=/opt/valgrind/libexec/valgrind;
#  - sshd for root, key and password logins; no host keys baked in (the provisioner brings one);
#  - /app/lib with an installed library, for the in-place override tests.
set -eu

# the custom-prefix valgrind: the launcher's built-in tool path is made to point nowhere
mkdir -p /opt/valgrind/bin /opt/valgrind/libexec
cp -a /usr/libexec/valgrind /opt/valgrind/libexec/valgrind
cp /usr/bin/valgrind.bin /opt/valgrind/bin/valgrind
sed -i 's|/usr/libexec/valgrind|/nonexistent/valgrind|g' /opt/valgrind/bin/valgrind
grep -q /nonexistent/valgrind /opt/valgrind/bin/valgrind

# sshd: root may log in with a key or a password; keys and password come at start
rm -f /etc/ssh/ssh_host_*
mkdir -p /etc/ssh/sshd_config.d /run/sshd /run/leakgate /root/.ssh
chmod 700 /root/.ssh
cat > /etc/ssh/sshd_config.d/leakgate.conf <<'CONF'
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM yes
HostKey /etc/ssh/ssh_host_ed25519_key
MaxStartups 50:30:100
MaxSessions 50
CONF
passwd -l root >/dev/null

# where an application's libraries live on the board
mkdir -p /app/lib /app/bin
printf 'installed original\n' > /app/lib/README

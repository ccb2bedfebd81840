#!/usr/bin/env bash
# Makes a fresh Debian 12 / Ubuntu machine ready to build, run and test hvagent: the apt
# packages the native modules and tests need, then `npm ci` and the build. Re-running it
# only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  g++ make python3 pkg-config          # native modules (better-sqlite3, @unraid/libvirt)
  libvirt-dev libvirt-clients          # libvirt binding and virsh (test:///default driver)
  libvirt-daemon-system qemu-system-x86 # real TCG guest in the VM integration tier
  libxml2-utils                        # virt-xml-validate of the generated domain XML
  iproute2 iputils-ping iputils-arping # network namespaces, veth, bridges, gratuitous ARP
  openssl                              # self-signed key pair
  systemd                              # systemd-analyze verify of the unit files
  e2fsprogs util-linux tar             # repositories on loop devices, template archives
  nfs-ganesha nfs-ganesha-vfs rpcbind  # NFS plugin tests: a real NFSv3/v4 server in a test namespace
  nfs-common libnfs-utils              # showmount (MOUNT protocol) and nfs-ls (NFSv4 pseudo-root)
  ocfs2-tools kmod                     # OCFS2 plugin: mkfs.ocfs2 needs modprobe present (lab notes)
  tgt libiscsi-bin open-iscsi          # SCSI plugin tests: iSCSI target, userspace initiator tools, iscsiadm records
  sanlock gcc                          # HA lease engine; gcc builds the test-only setrlimit shim
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=node_modules/.hvagent-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi
npm run --silent build

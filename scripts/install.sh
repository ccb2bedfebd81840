#!/usr/bin/env bash
# Installs hvagent on a RHEL-like host (Oracle Linux, RHEL, Rocky, Alma 8/9) from this
# source tree: Node.js 20, build tools for the native modules, libvirt client libraries,
# the agent under /usr/lib/hvagent, its command, config, systemd units and logrotate file.
set -euo pipefail

PREFIX=/usr/lib/hvagent
here=$(cd "$(dirname "$0")/.." && pwd)

[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }

if command -v dnf >/dev/null 2>&1; then
  dnf -y module enable nodejs:20 >/dev/null 2>&1 || true
  dnf -y install nodejs npm gcc-c++ make python3 libvirt-devel libvirt-client iproute iputils openssl chrony tar
  # SAN storage (generic SCSI plugin): iscsiadm, libiscsi's userspace tools, multipath
  dnf -y install iscsi-initiator-utils libiscsi-utils device-mapper-multipath || echo "install.sh: SAN tools not installed; the generic SCSI plugin will fault until they are" >&2
elif command -v apt-get >/dev/null 2>&1; then
  apt-get update
  apt-get install -y nodejs npm g++ make python3 libvirt-dev libvirt-clients iproute2 iputils-arping openssl chrony tar
  apt-get install -y open-iscsi libiscsi-bin multipath-tools || echo "install.sh: SAN tools not installed; the generic SCSI plugin will fault until they are" >&2
else
  echo "install.sh: no dnf or apt-get: install Node.js 20, a C++ compiler and libvirt headers by hand" >&2
  exit 1
fi

node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || {
  echo "install.sh: Node.js 20 or newer is required" >&2; exit 1; }

mkdir -p "$PREFIX"
cp -a "$here/package.json" "$here/package-lock.json" "$here/tsconfig.json" "$here/src" "$here/native" "$here/README.md" "$PREFIX/"
install -D -m 0755 "$here/scripts/build-native.sh" "$PREFIX/scripts/build-native.sh"
cd "$PREFIX"
npm ci
npm run build
npm prune --omit=dev

install -d -m 0755 /etc/hvagent /var/lib/hvagent /var/log/hvagent
[ -f /etc/hvagent/agent.yaml ] || install -m 0640 "$here/config/agent.yaml" /etc/hvagent/agent.yaml
install -m 0644 "$here/config/hvagent.logrotate" /etc/logrotate.d/hvagent
install -m 0644 "$here/systemd/hvagent.service" "$here/systemd/hvagent-restore-networks.service" /etc/systemd/system/
ln -sf "$PREFIX/dist/src/cli/main.js" /usr/bin/hvagent
chmod 0755 "$PREFIX/dist/src/cli/main.js"

systemctl daemon-reload
systemctl enable hvagent-restore-networks.service hvagent.service
if [ ! -f /etc/hvagent/password ]; then
  echo "Set the agent password (user oracle):"
  hvagent passwd
fi
systemctl restart hvagent.service
echo "hvagent installed; status: systemctl status hvagent; hvagent status --password ..."

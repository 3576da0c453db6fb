#!/usr/bin/env bash
# The head unit's disk for the VM tests (docs/reliability.md#a-booted-head-unit):
# a Debian 12 root file system made with debootstrap from Debian's mirror
# (systemd, dbus, apt), Conduit's .debs installed into it with
# `apt install ./*.deb` (in a chroot while the image is built: nothing is
# started there, the packages' postinst skips systemd then), and the
# vehicle's configuration (tests/vm/guest/). Prints the path of the raw ext4
# image. Cached under ${CONDUIT_VM_CACHE:-/var/cache/conduit-vm}:
#   base-<hash of the recipe above the "end of the base recipe" line>/   debootstrap's tree
#   root-<hash of this script, guest/ and the .debs>.img                 the finished disk
# Usage: tests/vm/image.sh DEB_DIR        (as root; prints the image path last)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
debs=$(cd "${1:?usage: image.sh DEB_DIR}" && pwd)
cache=${CONDUIT_VM_CACHE:-/var/cache/conduit-vm}
mirror=${CONDUIT_VM_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
include=systemd-sysv,dbus,udev,kmod,iproute2,e2fsprogs
# --- end of the base recipe ---
[ "$(id -u)" = 0 ] || { echo "image.sh: needs root (debootstrap, chroot)" >&2; exit 77; }
for tool in debootstrap mkfs.ext4; do
  command -v "$tool" >/dev/null || { echo "image.sh: $tool is missing (scripts/install-deps)" >&2; exit 1; }
done
mkdir -p "$cache"
base_key=$(sed '/^# --- end of the base recipe ---$/q' "$0" | sha256sum | cut -c1-16)
base=$cache/base-$base_key
if [ ! -f "$base/.complete" ]; then
  echo "image.sh: debootstrap $suite from $mirror into $base (once; minutes)" >&2
  rm -rf "$base"
  nice -n 10 debootstrap --variant=minbase --include="$include" "$suite" "$base" "$mirror" >&2
  touch "$base/.complete"
fi

key=$( { cat "$0"; find "$here/guest" -type f | sort | xargs cat; cat "$debs"/*.deb; } | sha256sum | cut -c1-16)
img=$cache/root-$key.img
if [ -f "$img" ]; then echo "$img"; exit 0; fi

kver=$(ls /boot/vmlinuz-* | sed 's|.*/vmlinuz-||' | sort -V | tail -1)
tree=$(mktemp -d "$cache/tree.XXXXXX")
unmount() { for m in dev/pts dev proc sys var/cache/apt/archives; do umount "$tree/root/$m" 2>/dev/null || true; done; }
cleanup() { unmount; rm -rf "$tree"; }
trap cleanup EXIT
root=$tree/root
echo "image.sh: $img from $base and $(ls "$debs"/*.deb | wc -l) packages" >&2
cp -a "$base" "$root"
rm -f "$root/.complete"
mkdir -p "$cache/apt-archives/partial"
mount --bind /proc "$root/proc"; mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
# Downloaded dependencies are kept between image builds.
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives"
mkdir -p "$root/tmp/debs"
cp "$debs"/*.deb "$root/tmp/debs/"
chroot "$root" sh -c 'echo "deb '"$mirror"' '"$suite"' main" > /etc/apt/sources.list && apt-get update -qq' >&2
chroot "$root" sh -c 'cd /tmp/debs && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ./*.deb' >&2
rm -rf "$root/tmp/debs"
chroot "$root" apt-get clean

# The guest's kernel is the host's (Debian's, booted from /boot with its
# initramfs); the modules udev loads after the initramfs (the NIC) come along.
for m in drivers/net/virtio_net.ko drivers/net/net_failover.ko net/core/failover.ko; do
  [ -f "/lib/modules/$kver/kernel/$m" ] || continue
  install -D -m 0644 "/lib/modules/$kver/kernel/$m" "$root/lib/modules/$kver/kernel/$m"
done
cp /lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$kver/" 2>/dev/null || true
chroot "$root" depmod "$kver"

# The vehicle: hostname, disks, network, the configuration of conduitd and
# its agents, the stand-in bootloader and the probe (tests/vm/guest/).
echo headunit > "$root/etc/hostname"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n/dev/vdb /var/lib/conduit ext4 rw,nofail 0 2\n' > "$root/etc/fstab"
cp -a "$here/guest/." "$root/"
chmod 0755 "$root"/usr/local/sbin/* "$root/usr/sbin/conduit-vm-init"
# The flash agent enabled as docs/packaging.md says: its manifest with an
# absolute library in agents.d, its configuration in agent-config.
sed 's|"library": "|"library": "/usr/lib/conduit/agents/|' "$root/usr/lib/conduit/agents/flash.json" \
  > "$root/etc/conduit/agents.d/flash.json"
chroot "$root" systemctl enable systemd-networkd conduit-vm-bootloader.service conduit-vm-probe.service >&2
chroot "$root" systemctl mask systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service 2>/dev/null >&2 || true
passwd -R "$root" -d root >/dev/null

unmount
rm -f "$cache"/root-*.img "$cache"/root-*.img.tmp # older builds
mkfs.ext4 -q -L headunit -d "$root" "$img.tmp" 3G
mv "$img.tmp" "$img"
echo "$img"

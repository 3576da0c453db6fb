# Sourced by the suites that run in a qemu guest with Debian's kernel
# (flash/ubi_qemu.sh, bootloader/isotp_qemu.sh, camera/camera_qemu.sh): the guest is an initramfs
# holding busybox, the kernel modules a suite needs and its programs with
# their shared libraries; /init is the suite's own script.
#
#   guest_need_root                      exit 77 (skipped, said loudly) unless root
#   guest_install PKG...                 apt-get the packages that are missing
#   guest_kernel MODULE...               KVER/MODDIR: the newest kernel in /boot with these modules
#   guest_root                           $work, $root: a fresh tree with busybox
#   guest_modules MODULE...              the modules with their dependencies, in load order (/lib/mod/order)
#   copy_with_libs FILE [DEST]           a program and its shared libraries
#   guest_init TAG                       $work/init begun: busybox, mounts, fail() ("TAG-CHECK FAILED: ...",
#                                        counted in $fails) and check(); the suite appends its own lines
#   guest_boot INIT                      boot with INIT as /init; $log is the console, $qrc qemu's exit
# MODULE is a module's name as in modules.dep ("ubi", "can-isotp").

guest_need_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root (apt, kernel image)"; exit 77
    fi
}

guest_install() {
    need=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
    done
    if [ -n "$need" ]; then
        echo "installing:$need"
        apt-get update -qq || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need >/dev/null
    fi
}

guest_module_path() { # MODULE in MODDIR: its path relative to MODDIR, or nothing
    grep -o "^[^:]*/$1\.ko[^:]*" "$MODDIR/modules.dep" | head -n 1
}

guest_kernel() {
    KVER=""
    for m in $(ls -d /lib/modules/* | sort -V); do
        v=${m##*/}
        [ -f "/boot/vmlinuz-$v" ] || continue
        MODDIR=$m
        all=yes
        for name in "$@"; do [ -n "$(guest_module_path "$name")" ] || all=no; done
        [ $all = yes ] && KVER=$v
    done
    [ -n "$KVER" ] || { echo "FAIL: no kernel in /boot with the modules $*"; exit 1; }
    MODDIR=/lib/modules/$KVER
}

guest_root() {
    work=$(mktemp -d /tmp/qemu-guest.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    root=$work/root
    mkdir -p "$root/bin" "$root/lib/mod" "$root/test" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
}

# Dependencies first (modules.dep lists each module's dependencies, the deepest last).
guest_add_module() { # path relative to MODDIR
    case " $order " in *" $1 "*) return ;; esac
    deps=$(grep "^$1:" "$MODDIR/modules.dep" | cut -d: -f2)
    for d in $(echo $deps | tr ' ' '\n' | tac); do guest_add_module "$d"; done
    order="$order $1"
}

guest_modules() {
    order=""
    for name in "$@"; do guest_add_module "$(guest_module_path "$name")"; done
    : > "$root/lib/mod/order"
    for rel in $order; do
        base=$(basename "$rel")
        case "$base" in
        *.xz) xz -dc "$MODDIR/$rel" > "$root/lib/mod/${base%.xz}"; base=${base%.xz} ;;
        *.zst) zstd -qdc "$MODDIR/$rel" > "$root/lib/mod/${base%.zst}"; base=${base%.zst} ;;
        *) cp "$MODDIR/$rel" "$root/lib/mod/$base" ;;
        esac
        echo "$base" >> "$root/lib/mod/order"
    done
}

copy_with_libs() {
    dest=${2:-$root$1}
    mkdir -p "$(dirname "$dest")"
    cp -L "$1" "$dest"
    for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
        [ -e "$root$lib" ] || { mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; }
    done
}

guest_init() {
    cat > "$work/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/sbin:/usr/bin:/bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs dev /dev; mount -t tmpfs tmp /tmp
fails=0
fail() { echo "$1-CHECK FAILED: \$*"; fails=\$((fails + 1)); }
check() { # description, command...
    what=\$1; shift
    if "\$@"; then echo "ok: \$what"; else fail "\$what"; fi
}
EOF
}

guest_qemu() { # accelerator options; execs: run it in a subshell
    echo "booting $KVER ($*) ..."
    rm -f "$log"
    exec timeout "${TIMEOUT:-420}" qemu-system-x86_64 "$@" -m 512 -smp 1 -nodefaults -no-reboot \
        -display none -serial "file:$log" -monitor none \
        -kernel "/boot/vmlinuz-$KVER" -initrd "$work/initrd.gz" \
        -append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init"
}

guest_boot() {
    cp "$1" "$root/init"
    chmod +x "$root/init"
    (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"
    log=$work/console.log
    set +e
    qrc=1
    if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
        # Some (nested) KVM hosts hang before the kernel prints anything: give
        # KVM 30 s to reach the kernel banner, else stop it and emulate.
        rm -f "$log"
        (guest_qemu -enable-kvm -cpu host) &
        qemu=$! # timeout(1), which passes a TERM on to qemu
        for _ in $(seq 30); do
            grep -q "Linux version" "$log" 2>/dev/null && break
            kill -0 $qemu 2>/dev/null || break
            sleep 1
        done
        if grep -q "Linux version" "$log" 2>/dev/null; then
            wait $qemu; qrc=$?
        else
            if kill -0 $qemu 2>/dev/null; then echo "KVM did not start the kernel within 30 s; falling back to TCG"
            else echo "qemu with KVM exited before the kernel started; falling back to TCG"; fi
            kill $qemu 2>/dev/null; wait $qemu
        fi
    fi
    grep -q "Linux version" "$log" 2>/dev/null || { (guest_qemu -accel tcg); qrc=$?; }
    set -e
}

#!/bin/bash
# vmrun.sh - run one command inside a throw-away QEMU VM that boots Debian's stock, modular kernel
# (ip_vs, dummy, veth, bridge, ip_set, nf_tables, ... — which the CI machine's own kernel may lack) on top of
# the HOST's root filesystem (virtio-9p, read-only) plus a tmpfs overlay (writable, discarded at exit).
# The current directory is shared read-write at the same path. The VM has no network card: nothing it
# does can reach the host's network or anything beyond it. Streams the command's stdout/stderr and exits
# with its exit code. See tests/vm/README.md.
#
# usage: tests/vm/vmrun.sh [options] -- CMD [ARGS...]
#   -m, --mem MB          guest RAM (default $KP_VM_MEM or 1536; the tmpfs overlay lives in it)
#   -c, --cpus N          vCPUs (default $KP_VM_CPUS or 2)
#   -a, --accel A         auto|kvm|tcg (default $KP_VM_ACCEL or auto: kvm only if /dev/kvm is writable and
#                         backed by kvm_intel/kvm_amd; a paravirtual nested KVM (kvm_pvm) cannot boot a stock
#                         kernel, so it gets tcg, software emulation)
#   -r, --root DIR        tree to use as the guest's root (default /)
#   -s, --share H[:G]     also share host dir H read-write at guest path G (default G=H); repeatable
#   --no-cwd              don't share the cwd (the command then runs in /)
#   -M, --modules LIST    comma list of modules to modprobe before the command (default $KP_VM_MODULES or the
#                         list below; "" for none); anything else autoloads on demand
#   -e, --env VAR=VAL     set VAR in the command's environment; "-e VAR" copies the host's value; repeatable
#   -t, --timeout SEC     kill the VM after SEC seconds (default $KP_VM_TIMEOUT or 900)
#   -v, --verbose         timings and the guest's kernel console on stderr
#
# exit status: the command's own, or
#   125  the VM cannot run on this machine (a tool or the kernel package is missing); stderr has exactly one
#        line "vmrun: unavailable: REASON" — a test may turn this, and only this, into a skip with REASON
#   124  timeout (stderr: "vmrun: timeout after N s" + the guest console's tail)
#   123  vmrun itself failed: bad usage, or the VM ended without the command's exit status (console tail follows)
#
# env: KP_VM_CACHE  cache dir (default /var/cache/kube-proxy-sharp-vm): the unpacked linux-image .deb, its
#                   depmod, the uncompressed vmlinux and the initramfs; made on first use under a lock
#      KP_VM_KERNEL_PKG  kernel package to fetch (default: what linux-image-amd64 depends on)
#      KP_VM_SLOTS  how many VMs may run at once on this machine (default: nproc); others wait for a slot
set -euo pipefail

DEFAULT_MODULES=ip_vs,ip_vs_rr,ip_vs_wrr,ip_vs_lc,ip_vs_sh,ip_vs_mh,nf_conntrack,dummy,veth,bridge,ip_set,ip_set_hash_ip,ip_set_hash_ipport,ip_set_hash_ipportip,ip_set_hash_ipportnet,ip_set_bitmap_port,xt_set
MEM=${KP_VM_MEM:-1536} CPUS=${KP_VM_CPUS:-2} ACCEL=${KP_VM_ACCEL:-auto} ROOT=/ TIMEOUT=${KP_VM_TIMEOUT:-900}
VERBOSE=0 SHARE_CWD=1
MODULES=${KP_VM_MODULES-$DEFAULT_MODULES}
SHARES=() ENVS=()
CACHE=${KP_VM_CACHE:-/var/cache/kube-proxy-sharp-vm}
KROOT=$CACHE/kroot
SLOTS=${KP_VM_SLOTS:-$(nproc 2>/dev/null || echo 2)}

unavailable() { echo "vmrun: unavailable: $*" >&2; exit 125; }
fail() { echo "vmrun: $*" >&2; exit 123; }
while [ $# -gt 0 ]; do
  case $1 in -m|--mem|-c|--cpus|-a|--accel|-r|--root|-s|--share|-M|--modules|-e|--env|-t|--timeout)
    [ $# -ge 2 ] || fail "$1 needs a value";; esac
  case $1 in
    -m|--mem) MEM=$2; shift 2;;
    -c|--cpus) CPUS=$2; shift 2;;
    -a|--accel) ACCEL=$2; shift 2;;
    -r|--root) ROOT=$2; shift 2;;
    -s|--share) SHARES+=("$2"); shift 2;;
    --no-cwd) SHARE_CWD=0; shift;;
    -M|--modules) MODULES=$2; shift 2;;
    -e|--env) case $2 in *=*) ENVS+=("$2");; *) [ -n "${!2+x}" ] && ENVS+=("$2=${!2}");; esac; shift 2;;
    -t|--timeout) TIMEOUT=$2; shift 2;;
    -v|--verbose) VERBOSE=1; shift;;
    --) shift; break;;
    -*) fail "unknown option $1 (usage: vmrun.sh [opts] -- cmd args...)";;
    *) break;;
  esac
done
[ $# -gt 0 ] || fail "no command given (usage: vmrun.sh [opts] -- cmd args...)"
case $ACCEL in auto|kvm|tcg) ;; *) fail "--accel must be auto, kvm or tcg";; esac

APT_HINT="apt-get install qemu-system-x86 busybox-static cpio kmod xz-utils"
for t in qemu-system-x86_64 busybox cpio depmod modprobe xz flock timeout mkfifo realpath sha256sum awk; do
  command -v $t >/dev/null || unavailable "missing $t ($APT_HINT)"
done
BUSYBOX=$(command -v busybox)
# the initramfs has no libc: a dynamically linked busybox (package "busybox") cannot be its init
if command -v ldd >/dev/null && ldd "$BUSYBOX" >/dev/null 2>&1; then
  unavailable "$BUSYBOX is dynamically linked (apt-get install busybox-static)"
fi
T0=$(date +%s.%N)
log() { [ $VERBOSE = 1 ] && echo "vmrun[$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N)-$T0}")s]: $*" >&2 || true; }

# ---------- one-time cache: kernel tree, depmod, vmlinux, initramfs (under a lock) ----------
mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] || unavailable "cache dir $CACHE is not writable (set KP_VM_CACHE)"
exec 9>"$CACHE/.lock"; flock 9

kernel_pkg() {
  [ -n "${KP_VM_KERNEL_PKG:-}" ] && { echo "$KP_VM_KERNEL_PKG"; return; }
  { apt-cache depends linux-image-amd64 2>/dev/null || true; } | awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}
fetch_kernel() {
  for t in apt-get apt-cache dpkg-deb; do command -v $t >/dev/null || unavailable "missing $t to fetch the kernel package"; done
  local pkg tmp sandbox=()
  pkg=$(kernel_pkg)
  if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 || true; pkg=$(kernel_pkg); fi
  [ -n "$pkg" ] || unavailable "apt cannot resolve linux-image-amd64 (run apt-get update, or set KP_VM_KERNEL_PKG)"
  echo "vmrun: fetching kernel package $pkg into $CACHE (once)" >&2
  tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
  # as root, apt drops to user _apt, which cannot write here: download as root, quietly
  [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
  if ! ( cd "$tmp" && apt-get download -qq "${sandbox[@]}" "$pkg" >&2 ); then
    # stale package lists name a version the archive no longer has: refresh once and retry
    { [ "$(id -u)" = 0 ] && apt-get update -qq >&2 && ( cd "$tmp" && apt-get download -qq "${sandbox[@]}" "$pkg" >&2 ); } \
      || { rm -rf "$tmp"; unavailable "apt-get download $pkg failed"; }
  fi
  dpkg-deb -x "$tmp"/*.deb "$tmp/kroot" || { rm -rf "$tmp"; fail "dpkg-deb -x $pkg failed"; }
  rm -rf "$KROOT"; mv "$tmp/kroot" "$KROOT"; rm -rf "$tmp"   # all or nothing: no half-unpacked tree
}
[ -d "$KROOT/lib/modules" ] || fetch_kernel
KVER=$(ls "$KROOT/lib/modules" | sort -V | tail -1)
[ -n "$KVER" ] || fail "no kernel version under $KROOT/lib/modules (remove $KROOT to refetch)"
MODDIR=$KROOT/lib/modules/$KVER
[ -f "$MODDIR/modules.dep" ] || depmod -b "$KROOT" "$KVER"
VMLINUX=$CACHE/vmlinux-$KVER          # uncompressed ELF -> PVH boot: skips the in-guest xz decompression,
if [ ! -s "$VMLINUX" ]; then          # which is slow under TCG
  bz=$KROOT/boot/vmlinuz-$KVER
  off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$bz" | head -1 | cut -d: -f1)
  if [ -n "$off" ]; then tail -c +$((off + 1)) "$bz" | xz -dc > "$VMLINUX.tmp" 2>/dev/null || true; fi
  if [ -s "$VMLINUX.tmp" ] && [ "$(head -c4 "$VMLINUX.tmp")" = $'\x7fELF' ]; then mv "$VMLINUX.tmp" "$VMLINUX"
  else rm -f "$VMLINUX.tmp"; VMLINUX=$bz; fi
fi

# the initramfs' /init: load the 9p/overlay modules, mount host / read-only + tmpfs overlay, hand over to stage2
INIT=$(cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin; export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod /mods/$m || echo "insmod $m failed"; done
o=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o $o,cache=loose,ro vmhroot /lower || { echo "9p root mount failed"; poweroff -f; }
mount -t tmpfs -o mode=755 tmpfs /rw; mkdir /rw/upper /rw/work
if ! mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot; then
  echo "overlay failed; using read-only root + tmpfs dirs"; mount --bind /lower /newroot
  for t in tmp var/tmp root run; do mount -t tmpfs tmpfs /newroot/$t; done
fi
mkdir -p /newroot/run; mount -t tmpfs -o mode=755 tmpfs /newroot/run
mkdir -p /newroot/run/vmh/ctl; cp /bin/busybox /newroot/run/vmh/busybox
mount -t 9p -o $o,cache=none vmhctl /newroot/run/vmh/ctl
umount /proc /sys; umount /dev 2>/dev/null
exec switch_root /newroot /run/vmh/busybox sh /run/vmh/ctl/stage2
EOF
)
IKEY=$( { printf '%s\n' "$INIT"; sha256sum "$BUSYBOX"; } | sha256sum | cut -c1-12)
INITRD=$CACHE/initrd-$KVER-$IKEY.cpio
if [ ! -s "$INITRD" ]; then
  d=$(mktemp -d); mkdir -p "$d"/{bin,mods,proc,sys,dev,lower,newroot,rw}
  cp "$BUSYBOX" "$d/bin/busybox"
  for m in virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -d "$KROOT" -S "$KVER" --show-depends $m | awk '$1=="insmod"{print $2}'
  done | awk '!seen[$0]++' | while read -r p; do
    cp "$p" "$d/mods/"; basename "$p" >> "$d/mods/order"; done
  printf '%s\n' "$INIT" > "$d/init"; chmod +x "$d/init"
  ( cd "$d" && find . | cpio -o -H newc --quiet ) > "$INITRD.tmp" && mv "$INITRD.tmp" "$INITRD"
  rm -rf "$d"
  find "$CACHE" -maxdepth 1 -name 'initrd-*.cpio' ! -name "${INITRD##*/}" -delete   # older recipes
fi
flock -u 9; exec 9>&-
log "cache ready (kernel $KVER, $CACHE)"

# ---------- accelerator ----------
if [ "$ACCEL" = auto ]; then
  if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }
  then ACCEL=kvm; else ACCEL=tcg; fi
fi
if [ "$ACCEL" = kvm ]; then ACC=(-accel kvm -cpu host); else ACC=(-accel tcg,thread=multi,tb-size=256 -cpu "${KP_VM_CPU:-max}"); fi

# ---------- a slot: at most $SLOTS VMs at once on this machine (each wants about one host core per vCPU) ----------
slot=0
while :; do
  exec 8>"$CACHE/.slot$slot"
  flock -n 8 && break
  exec 8>&-
  slot=$(( (slot + 1) % SLOTS )); [ $slot = 0 ] && sleep 0.2
done
log "slot $slot of $SLOTS"

# ---------- per-run control dir ----------
RUN=$(mktemp -d /tmp/kp-vm-run.XXXXXX)
QPID='' CATS=''
cleanup() { [ -n "$QPID" ] && kill "$QPID" 2>/dev/null; [ -n "$CATS" ] && wait $CATS; rm -rf "$RUN"; }
# guest ttyS1/ttyS2 -> fifos -> our own stdout/stderr (streams live, keeps fd offsets sane)
mkfifo "$RUN/out" "$RUN/err"
cat "$RUN/out" & CATS=$!
cat "$RUN/err" >&2 & CATS="$CATS $!"
trap cleanup EXIT; trap 'exit 130' INT TERM
q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }   # sh-quote

SEC=passthrough; [ "$(id -u)" = 0 ] || SEC=none
FS=(-fsdev "local,id=fsroot,path=$ROOT,security_model=$SEC,readonly=on,multidevs=remap"
    -device virtio-9p-pci,fsdev=fsroot,mount_tag=vmhroot
    -fsdev "local,id=fsctl,path=$RUN,security_model=$SEC"
    -device virtio-9p-pci,fsdev=fsctl,mount_tag=vmhctl
    -fsdev "local,id=fsmod,path=$MODDIR,security_model=$SEC,readonly=on"
    -device virtio-9p-pci,fsdev=fsmod,mount_tag=vmhmods)
CWD=/
if [ $SHARE_CWD = 1 ] && [ "$PWD" != / ]; then SHARES=("$PWD" ${SHARES[@]+"${SHARES[@]}"}); CWD=$PWD; fi
MOUNTS=""
i=0
for s in ${SHARES[@]+"${SHARES[@]}"}; do
  h=${s%%:*}; g=${s#*:}; [ "$g" = "$s" ] && g=$h
  h=$(realpath "$h"); [ -d "$h" ] || fail "share $h is not a directory"
  FS+=(-fsdev "local,id=fss$i,path=$h,security_model=$SEC,multidevs=remap"
       -device virtio-9p-pci,fsdev=fss$i,mount_tag=vmhs$i)
  MOUNTS+="\$BB mkdir -p $(q "$g") && \$BB mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=mmap vmhs$i $(q "$g") || echo 'vmrun: cannot mount share $g' >/dev/ttyS2"$'\n'
  i=$((i+1))
done

# The command's PATH: the system directories first (so /usr/bin/python3 wins over slow shims such as pyenv's),
# then the rest of the host's PATH.
GPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IFS=: read -ra hp <<< "$PATH"
for p in ${hp[@]+"${hp[@]}"}; do case ":$GPATH:" in *":$p:"*) ;; *) [ -n "$p" ] && GPATH+=":$p";; esac; done
[ -n "${DOTNET_ROOT:-}" ] && ENVS=("DOTNET_ROOT=$DOTNET_ROOT" ${ENVS[@]+"${ENVS[@]}"})

# stage2 runs as PID 1 inside the overlay root
cat > "$RUN/stage2" <<EOF
BB=/run/vmh/busybox
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
\$BB mount -t proc proc /proc; \$BB mount -t sysfs sys /sys
\$BB mount -t devtmpfs dev /dev; \$BB mkdir -p /dev/pts /dev/shm
\$BB mount -t devpts devpts /dev/pts; \$BB mount -t tmpfs tmpfs /dev/shm
\$BB mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
\$BB mkdir -p /tmp /var/tmp; \$BB chmod 1777 /tmp /var/tmp
\$BB mkdir -p /lib/modules/$KVER
\$BB mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro vmhmods /lib/modules/$KVER
[ -x /sbin/modprobe ] || { \$BB ln -sf \$BB /run/vmh/modprobe; echo /run/vmh/modprobe > /proc/sys/kernel/modprobe; }
MP=\$(cat /proc/sys/kernel/modprobe)
$MOUNTS
\$BB hostname kp-vm; \$BB ip link set lo up
for s in 1 2; do \$BB stty -F /dev/ttyS\$s raw -echo; done
T1=\$(\$BB cut -d' ' -f1 /proc/uptime)
MODS="$(echo "$MODULES" | tr , ' ')"
[ -z "\$MODS" ] || \$MP -a \$MODS 2>/dev/null || for m in \$MODS; do \$MP \$m || echo "vmrun: modprobe \$m failed" >/dev/ttyS2; done
echo "\$T1 \$(\$BB cut -d' ' -f1 /proc/uptime)" > /run/vmh/ctl/uptime
# /usr/bin/env, not "env": this shell is busybox, whose applets would otherwise shadow the root's programs
# (a plain "env sh -c 'ip ...'" ran busybox's sh and busybox's ip)
ENV=/usr/bin/env; [ -x \$ENV ] || ENV=/bin/env; [ -x \$ENV ] || ENV="\$BB env"
cd $(q "$CWD") && \\
  \$ENV HOME=/root USER=root LOGNAME=root TERM=dumb KP_IN_VM=1 PATH=$(q "$GPATH") LANG=$(q "${LANG:-C.UTF-8}") \\
  $(for e in ${ENVS[@]+"${ENVS[@]}"}; do printf '%s ' "$(q "$e")"; done)\\
  $(for a in "$@"; do printf '%s ' "$(q "$a")"; done) </dev/null >/dev/ttyS1 2>/dev/ttyS2
echo \$? > /run/vmh/ctl/rc
\$BB sync; \$BB poweroff -f
EOF

CMDLINE="console=ttyS0 loglevel=${KP_VM_LOGLEVEL:-4} panic=-1 rdinit=/init mitigations=off random.trust_cpu=on no_timer_check tsc=reliable"
log "starting qemu (accel=$ACCEL mem=${MEM}M cpus=$CPUS)"
timeout "$TIMEOUT" qemu-system-x86_64 "${ACC[@]}" -m "$MEM" -smp "$CPUS" -machine q35 \
  -nodefaults -no-user-config -display none -no-reboot -nic none \
  -kernel "$VMLINUX" -initrd "$INITRD" -append "$CMDLINE" \
  -chardev file,id=con,path="$RUN/console.log" -serial chardev:con \
  -chardev file,id=out,path="$RUN/out" -serial chardev:out \
  -chardev file,id=err,path="$RUN/err" -serial chardev:err \
  "${FS[@]}" </dev/null 8>&- &
QPID=$!
QRC=0; wait $QPID || QRC=$?; QPID=
for f in out err; do : <>"$RUN/$f"; done   # unblock cat if qemu never opened the fifo
wait $CATS; CATS=
T2=$(date +%s.%N)
if [ -f "$RUN/uptime" ]; then
  read -r up_st2 up_cmd < "$RUN/uptime"
  log "guest uptime: stage2 ${up_st2}s, command start (after modprobe) ${up_cmd}s"
fi
log "total wall $(awk "BEGIN{printf \"%.2f\", $T2-$T0}")s"
[ $VERBOSE = 1 ] && { echo "---- guest console ----" >&2; cat "$RUN/console.log" >&2; }
if [ -f "$RUN/rc" ]; then exit "$(cat "$RUN/rc")"; fi
if [ $QRC = 124 ]; then echo "vmrun: timeout after ${TIMEOUT}s" >&2; else echo "vmrun: VM ended without the command's exit status (qemu rc=$QRC)" >&2; fi
echo "vmrun: guest console tail:" >&2
tail -20 "$RUN/console.log" >&2
[ $QRC = 124 ] && exit 124; exit 123

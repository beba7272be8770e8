/**
 * PID 1 of the test guest (busybox sh). It brings up only what the tests need: proc/sys/dev,
 * a static address on eth0 with no default route and no DNS (so the guest reaches the host's
 * loopback as 10.0.2.2 and nothing else), the optional 9p share at /share, and then runs the
 * script qemu hands over through fw_cfg. Everything the script prints goes to the second serial
 * port (the host reads it on qemu's stdout); kernel messages stay on the console (ttyS0), so the
 * script's output is not interleaved with them. Markers framing the run:
 *   @@DITTOFS-READY            the script starts now (the host's boot time ends here)
 *   @@DITTOFS-EXIT <status>    the script ended with <status> (125 + reason: setup failed)
 * Modules load on demand: /proc/sys/kernel/modprobe points at busybox modprobe, so `mount -t nfs`
 * or cifs' crypto templates (`crypto-gcm(aes)`…) pull in what they need in ~0.3 s.
 */
export const GUEST_READY_MARKER = "@@DITTOFS-READY";
export const GUEST_EXIT_MARKER = "@@DITTOFS-EXIT";
/** fw_cfg entry carrying the script (qemu wants names under opt/). */
export const GUEST_SCRIPT_FW_CFG = "opt/dittofs/script";
/** Kernel command-line flag asking init to mount the 9p share (tag `share`) at /share. */
export const GUEST_SHARE_FLAG = "dittofs.share=1";

export const GUEST_INIT = `#!/bin/busybox sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
exec 0</dev/null 1>/dev/console 2>&1
echo /sbin/modprobe > /proc/sys/kernel/modprobe
stty -F /dev/ttyS1 raw -echo
exec 3>/dev/ttyS1
finish() {
  echo "${GUEST_EXIT_MARKER} $1" >&3
  sync
  poweroff -f
  reboot -f
}
modprobe -a virtio_pci virtio_net qemu_fw_cfg || finish "125 modprobe"
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 || finish "125 network"
case " $(cat /proc/cmdline) " in
*" ${GUEST_SHARE_FLAG} "*)
  modprobe -a 9pnet_virtio 9p
  mkdir -p /share
  mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share /share || finish "125 9p"
  ;;
esac
S=/sys/firmware/qemu_fw_cfg/by_name/${GUEST_SCRIPT_FW_CFG}/raw
i=0
while [ ! -r $S ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cat $S > /tmp/.script || finish "125 no-script"
echo "${GUEST_READY_MARKER}" >&3
(cd /tmp && exec sh /tmp/.script) >&3 2>&3
finish $?
`;

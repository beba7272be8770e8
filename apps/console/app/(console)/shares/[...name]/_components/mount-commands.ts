/**
 * Mount commands for one share, built from the host the console was reached at and the ports the
 * adapters are bound to. Pure, so the page and its tests build the same strings.
 */
export interface MountTarget {
  host: string;
  share: string;
  nfsPort: number | null;
  /** NFS versions the adapter serves (nfsVersionsServed); NFSv4 commands come first when served. */
  nfsVersions: readonly string[];
  smbPort: number | null;
  username: string;
}

export interface MountCommand {
  os: "Linux" | "macOS" | "Windows";
  protocol: "NFS" | "SMB";
  title: string;
  command: string;
  note?: string;
}

/** IPv6 literals need brackets in URLs and UNC-free mount syntax. */
function hostFor(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function mountPoint(share: string): string {
  return share.split("/").filter(Boolean).join("-") || "share";
}

/**
 * NFSv4 needs only the port: mount.nfs negotiates the highest version both sides speak (4.2,
 * 4.1, 4.0), and the share's name is its path in the server's pseudo file system. macOS's
 * mount_nfs speaks NFSv4.0 only, asked for with vers=4, and takes the port as port=.
 */
function nfs4Commands(t: MountTarget, port: number): MountCommand[] {
  if (!t.nfsVersions.some((v) => v.startsWith("4"))) return [];
  const h = hostFor(t.host);
  const dir = mountPoint(t.share);
  const linux: MountCommand = {
    os: "Linux",
    protocol: "NFS",
    title: "Linux (kernel NFS client, NFSv4)",
    command: `sudo mkdir -p /mnt/${dir} && sudo mount -t nfs -o port=${port} ${h}:${t.share} /mnt/${dir}`,
  };
  if (!t.nfsVersions.includes("4.0")) return [linux];
  return [
    linux,
    {
      os: "macOS",
      protocol: "NFS",
      title: "macOS (NFSv4.0)",
      command: `sudo mkdir -p /Volumes/${dir} && sudo mount -t nfs -o vers=4,port=${port} ${h}:${t.share} /Volumes/${dir}`,
    },
  ];
}

/** NFSv3: the NFS, MOUNT and NLM programs share one TCP port, so both port options name it. */
function nfsCommands(t: MountTarget, port: number): MountCommand[] {
  const h = hostFor(t.host);
  const dir = mountPoint(t.share);
  if (!t.nfsVersions.includes("3")) return nfs4Commands(t, port);
  return [
    ...nfs4Commands(t, port),
    {
      os: "Linux",
      protocol: "NFS",
      title: "Linux (kernel NFS client, NFSv3)",
      command: `sudo mkdir -p /mnt/${dir} && sudo mount -t nfs -o vers=3,proto=tcp,port=${port},mountport=${port},mountproto=tcp,nolock ${h}:${t.share} /mnt/${dir}`,
    },
    {
      os: "Linux",
      protocol: "NFS",
      title: "Linux (libnfs, no root needed)",
      command: `nfs-ls "nfs://${h}${t.share}?version=3&nfsport=${port}&mountport=${port}"`,
    },
    {
      os: "macOS",
      protocol: "NFS",
      title: "macOS (NFSv3)",
      command: `sudo mkdir -p /Volumes/${dir} && sudo mount -t nfs -o vers=3,tcp,port=${port},mountport=${port},nolocks,resvport ${h}:${t.share} /Volumes/${dir}`,
    },
    {
      os: "Windows",
      protocol: "NFS",
      title: "Windows (Client for NFS)",
      command: `mount -o anon,nolock \\\\${t.host}${t.share.replaceAll("/", "\\")} Z:`,
      note:
        port === 2049
          ? undefined
          : `Windows' NFS client only uses port 2049; this server listens on ${port}. Use SMB instead, or forward 2049 to ${port}.`,
    },
  ];
}

function smbCommands(t: MountTarget, port: number): MountCommand[] {
  const h = hostFor(t.host);
  const smbShare = t.share.replace(/^\//, "");
  const dir = mountPoint(t.share);
  const user = t.username;
  return [
    {
      os: "Linux",
      protocol: "SMB",
      title: "Linux (kernel CIFS client)",
      command: `sudo mkdir -p /mnt/${dir} && sudo mount -t cifs -o vers=3.0,port=${port},username=${user} //${h}/${smbShare} /mnt/${dir}`,
    },
    {
      os: "Linux",
      protocol: "SMB",
      title: "Linux (smbclient)",
      command: `smbclient //${h}/${smbShare} -p ${port} -U ${user}`,
    },
    {
      os: "macOS",
      protocol: "SMB",
      title: "macOS",
      command: `mkdir -p ~/${dir} && mount_smbfs //${user}@${h}:${port}/${smbShare} ~/${dir}`,
    },
    {
      os: "Windows",
      protocol: "SMB",
      title: "Windows",
      command:
        port === 445
          ? `net use Z: \\\\${t.host}\\${smbShare} /user:${user}`
          : `net use Z: \\\\${t.host}\\${smbShare} /user:${user} /tcpport:${port}`,
      note:
        port === 445
          ? undefined
          : "/tcpport needs Windows 11 24H2 or Windows Server 2025; older Windows reaches SMB only on port 445.",
    },
  ];
}

export function mountCommands(t: MountTarget): MountCommand[] {
  return [
    ...(t.nfsPort !== null ? nfsCommands(t, t.nfsPort) : []),
    ...(t.smbPort !== null ? smbCommands(t, t.smbPort) : []),
  ];
}

"use client";
import { nfsVersionsServed } from "@dittofs/shared";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { Loading } from "@/components/ui/spinner";
import { useTRPC } from "@/lib/trpc";
import { type MountCommand, mountCommands } from "./mount-commands";

/** Adapter hosts that mean "every interface": clients use the host the console was reached at. */
const WILDCARD_HOSTS = new Set(["", "0.0.0.0", "::", "[::]"]);

interface ShareLike {
  name: string;
  nfs: boolean;
  smb: boolean;
}

export function ShareMount({ share, host, username }: { share: ShareLike; host: string; username: string }) {
  const trpc = useTRPC();
  const adapters = useQuery(trpc.adapters.list.queryOptions());
  if (adapters.isPending) return <Loading what="adapters" />;
  const nfs = adapters.data?.find((a) => a.type === "nfs");
  const smb = adapters.data?.find((a) => a.type === "smb");
  const boundHost = (a: typeof nfs) => {
    const h = typeof a?.settings?.host === "string" ? a.settings.host : "";
    return WILDCARD_HOSTS.has(h) || h === "127.0.0.1" ? host : h;
  };
  const commands = mountCommands({
    host: boundHost(nfs ?? smb),
    share: share.name,
    nfsPort: share.nfs && nfs ? nfs.status.port : null,
    nfsVersions: nfsVersionsServed(nfs?.settings ?? {}),
    smbPort: share.smb && smb ? smb.status.port : null,
    username,
  });
  const warnings: string[] = [];
  if (!share.nfs) warnings.push("NFS is disabled for this share.");
  else if (!nfs) warnings.push("There is no NFS adapter.");
  else if (!nfs.status.running)
    warnings.push(`The NFS adapter is stopped; start it before mounting (port ${nfs.status.port}).`);
  if (!share.smb) warnings.push("SMB is disabled for this share.");
  else if (!smb) warnings.push("There is no SMB adapter.");
  else if (!smb.status.running)
    warnings.push(`The SMB adapter is stopped; start it before mounting (port ${smb.status.port}).`);

  return (
    <div className="space-y-4">
      {warnings.length > 0 ? (
        <div className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
          {warnings.map((w) => (
            <p key={w}>{w}</p>
          ))}
          <Link href="/adapters" className="font-medium underline">
            Manage adapters
          </Link>
        </div>
      ) : null}
      {commands.length === 0 ? (
        <p className="text-sm text-slate-500">No protocol serves this share yet.</p>
      ) : null}
      <div className="grid gap-4 xl:grid-cols-2">
        {(["NFS", "SMB"] as const).map((protocol) => {
          const list = commands.filter((c) => c.protocol === protocol);
          if (list.length === 0) return null;
          return (
            <Card key={protocol} title={`Mount over ${protocol}`}>
              <ul className="space-y-3">
                {list.map((c) => (
                  <CommandRow key={c.title} c={c} />
                ))}
              </ul>
            </Card>
          );
        })}
      </div>
    </div>
  );
}

function CommandRow({ c }: { c: MountCommand }) {
  return (
    <li>
      <div className="mb-1 flex items-center justify-between gap-2">
        <h3 className="text-sm font-medium">{c.title}</h3>
        <CopyButton text={c.command} label={`Copy ${c.protocol} command for ${c.title}`} />
      </div>
      <pre className="overflow-x-auto rounded-md bg-slate-900 p-2 font-mono text-xs whitespace-pre-wrap break-all text-slate-100">
        {c.command}
      </pre>
      {c.note ? <p className="mt-1 text-xs text-slate-500">{c.note}</p> : null}
    </li>
  );
}

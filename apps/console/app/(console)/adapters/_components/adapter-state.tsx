import { Badge } from "@/components/ui/badge";
import { formatDate } from "@/lib/format";
import type { Adapter } from "./adapters-view";

/** The id of an adapter's failure text, so its Start button can point at it. */
export const adapterErrorId = (type: string) => `adapter-${type}-start-error`;

/**
 * Running / stopped, or "failed" with the reason and time of the latest failed start (port in
 * use, bad settings). The reason is text in the cell, not only color or a tooltip, so screen
 * readers and keyboard users get it; the next successful start clears it.
 */
export function AdapterState({ status }: { status: Adapter["status"] }) {
  if (status.running) return <Badge tone="green">running</Badge>;
  if (status.error === null) return <Badge tone="red">stopped</Badge>;
  return (
    <div className="flex max-w-md flex-col items-start gap-1">
      <Badge tone="red">failed to start</Badge>
      <p id={adapterErrorId(status.type)} className="text-xs break-words text-rose-800 dark:text-rose-300">
        <span className="font-medium">Start failed at {formatDate(status.error.at)}:</span>{" "}
        {status.error.message}
      </p>
    </div>
  );
}

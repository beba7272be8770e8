/**
 * What an FSCTL handler ([MS-SMB2] §3.3.5.15) gets and returns. ioctl.ts dispatches by CtlCode to
 * its own handlers and those of ioctl-copychunk.ts, which takes these types from here rather than
 * from ioctl.ts (no import cycle).
 */
import type { SmbRequest } from "../request.ts";

/** What an FSCTL answers: its output, and a status other than success that still carries it. */
export interface FsctlResult {
  output: Buffer;
  status?: number;
}

/** The call an FSCTL handler gets: its input and MaxOutputResponse. */
export interface FsctlCall {
  req: SmbRequest;
  ctlCode: number;
  input: Buffer;
  maxOutput: number;
}

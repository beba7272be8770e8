/**
 * Stored-ACL fixtures for the tests where Bob's rights come from DACLs alone (the modes, NFS's
 * approximation, give him nothing): Alice sets a DACL of two ACEs, hers and Bob's.
 */
import { expect } from "vitest";
import * as C from "../constants.ts";
import { sid } from "../info/security.ts";
import { closeBody, daclSd, open, setInfoBody } from "./bodies.ts";
import { ALICE, BOB } from "./harness.ts";
import type { SmbTestClient } from "./smb-client.ts";

/** FILE_ALL_ACCESS. */
export const FULL = 0x001f_01ff;
/** GENERIC_READ mapped for a file ([MS-SMB2] §2.2.13.1.1 FILE_GENERIC_READ). */
export const GENERIC_READ_FILE = 0x0012_0089;
/** What seeing into a directory takes: listing, traversing, its attributes. */
export const SEE = C.FILE_LIST_DIRECTORY | C.FILE_TRAVERSE | C.FILE_READ_ATTRIBUTES | C.SYNCHRONIZE;

/** Sets the DACL of `name` (Alice FULL, then Bob `bob`) through an open of `c`'s (Alice's). */
export async function setDacl(c: SmbTestClient, name: string, bob: number, dir = false): Promise<void> {
  const options = dir ? C.FILE_DIRECTORY_FILE : 0;
  const f = await open(c, name, { access: C.WRITE_DAC | C.READ_CONTROL, options });
  const sd = daclSd([
    [0, 0, FULL, sid(22, 1, ALICE.uid)],
    [0, 0, bob, sid(22, 1, BOB.uid)],
  ]);
  const set = setInfoBody(f, C.SMB2_0_INFO_SECURITY, 0, sd, C.DACL_SECURITY_INFORMATION);
  expect((await c.send(C.SMB2_SET_INFO, set)).status).toBe(0);
  await c.send(C.SMB2_CLOSE, closeBody(f));
}

/** Makes the directory `name`. */
export async function mkdir(c: SmbTestClient, name: string): Promise<void> {
  const d = await open(c, name, { disposition: C.FILE_CREATE, options: C.FILE_DIRECTORY_FILE });
  await c.send(C.SMB2_CLOSE, closeBody(d));
}

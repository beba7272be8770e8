import { describe, expect, it } from "vitest";
import * as C from "../constants.ts";
import { STATUS_USER_SESSION_DELETED } from "../ntstatus.ts";
import { createBody, open } from "../testing/bodies.ts";
import { useSmbHarness } from "../testing/fixture.ts";
import { ALICE } from "../testing/harness.ts";
import { SmbTestClient } from "../testing/smb-client.ts";

describe("LOGOFF", () => {
  const smb = useSmbHarness();

  it("closes the session's opens (delete-on-close applies) and forgets the session", async () => {
    const c = await SmbTestClient.login(smb.h.port, ALICE.user, ALICE.password);
    await open(c, "temp.txt", { disposition: C.FILE_CREATE, options: C.FILE_DELETE_ON_CLOSE });
    expect((await c.send(C.SMB2_LOGOFF, Buffer.from([4, 0, 0, 0]))).status).toBe(0);
    expect((await c.send(C.SMB2_CREATE, createBody("x"))).status).toBe(STATUS_USER_SESSION_DELETED);
    await expect(
      smb.h.metadata.lookup({ uid: 0, gid: 0, gids: [] }, smb.h.metadata.rootHandle("/export"), "temp.txt"),
    ).rejects.toMatchObject({ code: "ENOENT" });
    c.close();
  });
});

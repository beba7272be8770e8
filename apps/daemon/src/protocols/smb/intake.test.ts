/**
 * The per-connection cap on outstanding READ bytes (adapter setting maxOutstandingReadBytes) on a
 * real TCP connection: a client pipelines several large READs, the intake starts only as many as
 * fit under the cap and starts the rest as earlier ones are answered.
 */
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ByteBudget } from "../transport/budget.ts";
import { SMB2_HEADER_SIZE, SMB2_READ } from "./constants.ts";
import { type FrameSlot, RequestIntake } from "./intake.ts";

const MIB = 1024 * 1024;
/** The smallest cap the adapter accepts (ADAPTER_LIMITS). */
const CAP = 8 * MIB;
const READ_LENGTH = 3 * MIB;
const READS = 6;

/** A direct-TCP frame (4-byte length, §2.1) holding one SMB2 READ request (§2.2.19) for `length` bytes. */
function readFrame(length: number, messageId: number): Buffer {
  const msg = Buffer.alloc(SMB2_HEADER_SIZE + 49);
  msg.writeUInt32BE(0xfe534d42, 0);
  msg.writeUInt16LE(64, 4);
  msg.writeUInt16LE(SMB2_READ, 12);
  msg.writeBigUInt64LE(BigInt(messageId), 24);
  msg.writeUInt16LE(49, SMB2_HEADER_SIZE);
  msg.writeUInt32LE(length, SMB2_HEADER_SIZE + 4);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(msg.length, 0);
  return Buffer.concat([head, msg]);
}

describe("outstanding READ bytes per connection", () => {
  let server: Server | undefined;
  let client: Socket | undefined;
  afterEach(() => {
    client?.destroy();
    server?.close();
  });

  it("never starts READs past maxOutstandingReadBytes; the rest wait and all are answered", async () => {
    const running: FrameSlot[] = [];
    const answer: Array<() => void> = [];
    const failures: unknown[] = [];
    let started = 0;
    let most = 0;
    const accepted = new Promise<RequestIntake>((resolve) => {
      server = createServer((socket) => {
        const intake: RequestIntake = new RequestIntake(
          socket,
          (_frame, slot) => {
            started++;
            running.push(slot);
            most = Math.max(
              most,
              running.reduce((sum, s) => sum + s.readBytes, 0),
            );
            // Answered when the test says so: until then the READ is outstanding.
            return new Promise<void>((done) =>
              answer.push(() => {
                running.splice(running.indexOf(slot), 1);
                done();
              }),
            );
          },
          (e) => failures.push(e),
          {
            budget: new ByteBudget(1024 * MIB),
            preauthFrameBytes: 64 * 1024,
            frameBytes: 64 * 1024,
            maxOutstandingReadBytes: CAP,
            maxFrameReadCharge: 16 * MIB,
          },
        );
        socket.on("data", (chunk: Buffer) => intake.push(chunk));
        resolve(intake);
      }).listen(0, "127.0.0.1");
    });
    await once(server!, "listening");
    const address = server!.address();
    client = connect(typeof address === "object" && address ? address.port : 0, "127.0.0.1");
    const frames = Array.from({ length: READS }, (_, i) => readFrame(READ_LENGTH, i));
    client.write(Buffer.concat(frames));
    await accepted;

    // Two 3 MiB READs fit under 8 MiB; a third would make 9 MiB and waits.
    await expect.poll(() => started).toBe(2);
    let answered = 0;
    while (answered < READS) {
      await expect.poll(() => answer.length).toBeGreaterThan(0);
      answer.shift()!();
      answered++;
    }
    expect(failures).toEqual([]);
    expect(started).toBe(READS);
    expect(most).toBeLessThanOrEqual(CAP);
    expect(most).toBe(2 * READ_LENGTH);
  });
});

/**
 * The locking operations (RFC 8881 §18.10–18.12, §18.18; RFC 7530 §16.24 RELEASE_LOCKOWNER),
 * registered beside the core table (ops/index.ts) through nfs4OpTable's `extra`.
 */
import type { AnyOp } from "../op.ts";
import { lock } from "./lock.ts";
import { lockt } from "./lockt.ts";
import { locku } from "./locku.ts";
import { openDowngrade } from "./open-downgrade.ts";
import { releaseLockowner } from "./release-lockowner.ts";

export const LOCKING_OPS: readonly AnyOp[] = [lock, lockt, locku, openDowngrade, releaseLockowner];

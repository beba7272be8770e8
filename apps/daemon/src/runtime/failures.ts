/** How a failure of the live half of a control change is reported to the API. */
import { ControlError } from "../control/errors.ts";
import { FsError } from "../domain/errors.ts";

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** ControlError and FsError pass through; anything else becomes EIO naming what failed. */
export function liveFailure(what: string, err: unknown): FsError | ControlError {
  if (err instanceof FsError || err instanceof ControlError) return err;
  return new FsError("EIO", `${what}: ${errorText(err)}`);
}

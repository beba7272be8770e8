import { router } from "../../trpc.ts";
import { create } from "./create.ts";
import { deleteAdapter } from "./delete.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";
import { start } from "./start.ts";
import { status } from "./status.ts";
import { stop } from "./stop.ts";
import { update } from "./update.ts";

export const adaptersRouter = router({
  list,
  get,
  create,
  update,
  start,
  stop,
  delete: deleteAdapter,
  status,
});

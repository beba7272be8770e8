import { router } from "../../trpc.ts";
import { create } from "./create.ts";
import { deleteShare } from "./delete.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";
import { migrate } from "./migrate.ts";
import { migrationCancel } from "./migration-cancel.ts";
import { migrationConfirm } from "./migration-confirm.ts";
import { migrations } from "./migrations.ts";
import { permissionsList } from "./permissions-list.ts";
import { permissionsRemove } from "./permissions-remove.ts";
import { permissionsSet } from "./permissions-set.ts";
import { update } from "./update.ts";
import { usage } from "./usage.ts";

export const sharesRouter = router({
  list,
  get,
  create,
  update,
  delete: deleteShare,
  usage,
  migrate,
  migrations,
  migrationCancel,
  migrationConfirm,
  permissions: router({ list: permissionsList, set: permissionsSet, remove: permissionsRemove }),
});

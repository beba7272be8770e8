import { router } from "../../trpc.ts";
import { addMember } from "./add-member.ts";
import { create } from "./create.ts";
import { deleteGroup } from "./delete.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";
import { removeMember } from "./remove-member.ts";
import { update } from "./update.ts";

export const groupsRouter = router({
  list,
  get,
  create,
  update,
  delete: deleteGroup,
  addMember,
  removeMember,
});

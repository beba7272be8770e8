import { router } from "../../trpc.ts";
import { create } from "./create.ts";
import { deleteUser } from "./delete.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";
import { resetPassword } from "./reset-password.ts";
import { update } from "./update.ts";

export const usersRouter = router({ list, get, create, update, resetPassword, delete: deleteUser });

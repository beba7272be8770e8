import { router } from "../../trpc.ts";
import { disconnect } from "./disconnect.ts";
import { list } from "./list.ts";

export const clientsRouter = router({ list, disconnect });

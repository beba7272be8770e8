import { router } from "../../trpc.ts";
import { history } from "./history.ts";
import { live } from "./live.ts";
import { snapshot } from "./snapshot.ts";

export const metricsRouter = router({ snapshot, live, history });

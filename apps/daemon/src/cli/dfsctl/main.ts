/** dfsctl's process entry (bin/dfsctl.mjs): run the program, exit with its status. */
import { main } from "./program.ts";

process.exit(await main(process.argv));

/** dfs's process entry (bin/dfs.mjs): run the program, exit with its status. */
import { main } from "./dfs-program.ts";

process.exit(await main(process.argv));

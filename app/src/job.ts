/**
 * The sample scheduled job (dist/job.js in the image, the `command` of the stacks' nightly-report):
 * one run logs what it is and exits 0, so the platform's Step Functions run of it succeeds. A
 * team's real job replaces this with its work; the contract is the exit code: 0 is success,
 * anything else a failed attempt (retried, then reported to the alarm topic).
 *
 * SIGTERM (ECS stopping the task at the job's timeout) ends the run with exit code 143, a failure.
 */

import { loadConfig } from "./config";
import { createLogger } from "./logger";

function main(): void {
    // The same configuration as the server's (LOG_LEVEL, APP_ENV); only their values are logged.
    const { config } = loadConfig(process.env);
    const logger = createLogger({ level: config.logLevel });
    process.on("SIGTERM", () => {
        logger.warn("job stopped before it finished");
        process.stdout.write("", () => process.exit(143));
    });
    logger.info("job run", { env: config.environment });
    process.stdout.write("", () => process.exit(0));
}

main();

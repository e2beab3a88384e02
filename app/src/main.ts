/**
 * Process entry point (dist/main.js in the image): reads the environment,
 * starts the server and turns SIGTERM/SIGINT into a graceful shutdown.
 *
 * Exit codes: 0 after a clean shutdown; 1 when the shutdown timeout passed,
 * the configuration is invalid, or something crashed.
 */

import { ConfigError } from "./config";
import { createLogger, type Logger } from "./logger";
import { startServerFromEnv, type RunningServer } from "./server";

const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** Exit once the last log line has been handed to stdout, so it is not lost. */
function exitAfterFlush(code: number): void {
    process.stdout.write("", () => process.exit(code));
}

function installCrashHandlers(logger: Logger): void {
    process.on("uncaughtException", (err) => {
        logger.error("uncaught exception", { err });
        exitAfterFlush(1);
    });
    process.on("unhandledRejection", (reason) => {
        logger.error("unhandled promise rejection", { err: reason });
        exitAfterFlush(1);
    });
}

async function main(): Promise<void> {
    let app: RunningServer;
    try {
        app = await startServerFromEnv(process.env);
    } catch (err) {
        const logger = createLogger();
        if (err instanceof ConfigError) {
            logger.error(err.message, err.fields);
        } else {
            logger.error("failed to start", { err });
        }
        exitAfterFlush(1);
        return;
    }
    installCrashHandlers(app.logger);

    for (const signal of SHUTDOWN_SIGNALS) {
        // process.on, not once: a second signal must not fall back to the default
        // action (immediate kill) while requests are still draining.
        process.on(signal, () => {
            if (app.isDraining()) {
                app.logger.warn("signal received while already shutting down", { signal });
                return;
            }
            void app.shutdown(signal).then((result) => exitAfterFlush(result.clean ? 0 : 1));
        });
    }
}

void main();

/**
 * Lambda entry point (handler setting: `handler.handler`). The configuration is read and checked
 * once, when the runtime loads this module: a bad value fails the cold start with a message naming
 * the variable, and ECS treats the failed invocation as a failed hook and rolls back.
 */

import { loadConfig } from "./config";
import { createHandler } from "./hook";

export const handler = createHandler(loadConfig(process.env));

/**
 * Lambda entry point (handler setting: `alarmNotifier/handler.handler`). The configuration is read
 * and checked once, when the runtime loads this module: a bad value fails the cold start with a
 * message naming the variable. The AWS SDK clients are the ones the nodejs22.x runtime provides.
 */

import { loadConfig } from "./config";
import { createHandler } from "./notifier";

export const handler = createHandler(loadConfig(process.env));
